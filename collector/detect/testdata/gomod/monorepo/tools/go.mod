module github.com/acme/platform/tools

go 1.24

tool golang.org/x/tools/cmd/stringer

require (
	github.com/acme/kit v1.2.0
	golang.org/x/tools v0.22.0 // indirect
)

replace github.com/acme/kit v1.2.0 => github.com/acme-fork/kit v1.2.1

// Only v0.21.0 is replaced; the v0.22.0 required above is not.
replace golang.org/x/tools v0.21.0 => golang.org/x/tools v0.21.1
