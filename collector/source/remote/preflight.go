package remote

import (
	"fmt"
	"os"

	"github.com/uptake-dev/uptake/config"
)

// Preflight checks what a GitHub or GitLab source needs from this machine:
// its token variable set (or token file readable), a GitHub App's private
// key readable, the CA file holding a certificate. No request is made, and
// no secret reaches a message.
func Preflight(s config.Source) []string {
	var out []string
	if _, err := Token(s); err != nil {
		out = append(out, err.Error())
	}
	if s.PrivateKeyFile != "" {
		if _, err := os.ReadFile(s.PrivateKeyFile); err != nil {
			out = append(out, fmt.Sprintf("private_key_file: %v", err))
		}
	}
	if s.TLS.CAFile != "" {
		if _, err := Transport(s); err != nil {
			out = append(out, err.Error())
		}
	}
	return out
}
