module github.com/acme/platform/services/billing

go 1.21

require github.com/acme/kit/v3 v3.0.0-20240101120000-abcdef123456

require github.com/acme/log v0.9.0

replace github.com/acme/log => ../../log
