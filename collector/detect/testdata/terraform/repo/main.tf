terraform {
  required_version = ">= 1.5"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.0"
    }
  }
}

module "vpc" {
  source  = "terraform-aws-modules/vpc/aws"
  version = "~> 5.5"

  name = "main"
  cidr = "10.0.0.0/16"
}

module "eks" {
  source       = "git::https://github.com/acme/terraform-modules.git//eks?ref=v2.3.1"
  cluster_name = var.cluster_name
}

module "dns" {
  source = "git@github.com:acme/terraform-modules.git//route53?ref=3f5c2a9d1b7e4f6a8c0d2e4f6a8b0c2d4e6f8a0b"
}

module "local" {
  source = "./modules/network"
}

module "baseline" {
  source  = "app.terraform.io/acme/platform-baseline/aws"
  version = ">= 1.4.0, < 2.0.0"
}

/*
module "old" {
  source = "acme/old/aws"
}
*/
# module "older" { source = "acme/older/aws" }
