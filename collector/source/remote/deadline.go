package remote

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"
)

// ErrHTTPTimeout marks a request attempt that had no complete answer, body
// included, within scan.http_timeout.
var ErrHTTPTimeout = errors.New("no complete answer within scan.http_timeout")

// Deadline wraps next so that each request it sends must be answered, to
// the last byte of the body, within d. It sits below the rate limiters and
// retries, so their waits are never counted: each attempt gets its own d.
// A d of 0 sets no deadline.
func Deadline(next http.RoundTripper, d time.Duration) http.RoundTripper {
	if d <= 0 {
		return next
	}
	return RoundTripperFunc(func(req *http.Request) (*http.Response, error) {
		ctx, cancel := context.WithTimeoutCause(req.Context(), d, fmt.Errorf("%w (%s)", ErrHTTPTimeout, d))
		resp, err := next.RoundTrip(req.WithContext(ctx))
		if err != nil {
			cancel()
			return resp, timedOut(ctx, err)
		}
		resp.Body = &deadlineBody{ReadCloser: resp.Body, ctx: ctx, cancel: cancel}
		return resp, nil
	})
}

// deadlineBody keeps the attempt's deadline running while the body is read
// and ends it on Close.
type deadlineBody struct {
	io.ReadCloser
	ctx    context.Context
	cancel context.CancelFunc
}

func (b *deadlineBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if err != nil && err != io.EOF {
		err = timedOut(b.ctx, err)
	}
	return n, err
}

func (b *deadlineBody) Close() error {
	err := b.ReadCloser.Close()
	b.cancel()
	return err
}

// timedOut names the deadline in err when it is what ended the attempt,
// not the caller's own context.
func timedOut(ctx context.Context, err error) error {
	if cause := context.Cause(ctx); errors.Is(cause, ErrHTTPTimeout) && !errors.Is(err, ErrHTTPTimeout) {
		return fmt.Errorf("%w: %w", cause, err)
	}
	return err
}
