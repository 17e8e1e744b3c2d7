go test fuzz v1
[]byte("include \"root\" {\n  path = find_in_parent_folders()\n}\n\nterraform {\n  source = \"git::git@github.com:acme/infrastructure-modules.git//networking/vpc?ref=v0.8.0\"\n}\n\ninputs = {\n  cidr_block = \"10.10.0.0/16\"\n}\n")
