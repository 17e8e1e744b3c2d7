module gitlab.example.com/acme/payments/api-team/ledger

go 1.26
