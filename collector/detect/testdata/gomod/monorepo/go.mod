module github.com/acme/platform

go 1.22.0

toolchain go1.22.4

require (
	github.com/acme/kit v1.4.2
	github.com/prometheus/client_golang v1.19.1
	golang.org/x/sync v0.7.0
)

require (
	github.com/beorn7/perks v1.0.1 // indirect
	github.com/acme/log/v2 v2.1.0 // indirect
	gopkg.in/yaml.v3 v3.0.1 // indirect
)

// Pick up the fix for the exemplar race until 1.20 is out.
replace github.com/prometheus/client_golang => github.com/prometheus/client_golang v1.20.0-rc.1
