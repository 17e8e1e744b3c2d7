variable "azs" {
  type = list(string)
}

module "subnets" {
  for_each = toset(var.azs)
  source   = "github.com/acme/tf-network?ref=v0.4.0"
  az       = each.key
}

module "flow_logs" {
  source = "s3::https://s3-eu-west-1.amazonaws.com/acme-modules/flow-logs.zip"
}

module "labels" {
  source  = "registry.terraform.io/cloudposse/label/null"
  version = "0.25.0"
}
