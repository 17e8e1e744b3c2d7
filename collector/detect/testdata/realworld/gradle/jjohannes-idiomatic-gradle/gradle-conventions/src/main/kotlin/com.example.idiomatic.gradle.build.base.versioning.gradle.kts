// The version of the product itself is read from the 'version.txt' file in the root of a product.
version = File(rootDir, "version.txt").readText().trim()
