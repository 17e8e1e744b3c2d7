include "root" {
  path = find_in_parent_folders()
}

terraform {
  source = "git::git@github.com:acme/infrastructure-modules.git//networking/vpc?ref=v0.8.0"
}

inputs = {
  cidr_block = "10.10.0.0/16"
}
