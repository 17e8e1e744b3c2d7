locals {
  base_source_url = "git::git@github.com:acme/infrastructure-modules.git//networking/vpc"
}

terraform {
  source = "${local.base_source_url}?ref=v0.9.0"
}
