module github.com/acme/platform/broken

go 1.22

require (
	github.com/acme/kit
)
