module "nested" {
  source = "terraform-aws-modules/security-group/aws"
}
