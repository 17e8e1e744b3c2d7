module "half" {
  source = "acme/half/aws"
