package httpx

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"time"

	"github.com/hashicorp/go-retryablehttp"
)

// GiveUpError is returned when a request still failed after every retry
// (5xx answers, timeouts, connection errors).
type GiveUpError struct {
	Attempts int
	// StatusCode and Status describe the last answer; 0 and "" when the
	// last attempt got no answer at all (then Err says why).
	StatusCode int
	Status     string
	Err        error
}

func (e *GiveUpError) Error() string {
	what := ""
	switch {
	case e.StatusCode != 0:
		what = "HTTP " + e.Status
	case errors.Is(e.Err, context.DeadlineExceeded):
		what = "no answer in time"
	default:
		what = conciseNetError(e.Err)
	}
	if e.Attempts == 1 {
		return what
	}
	return fmt.Sprintf("%s (gave up after %d attempts)", what, e.Attempts)
}

func (e *GiveUpError) Unwrap() error { return e.Err }

// conciseNetError shortens "dial tcp 127.0.0.1:1: connect: connection
// refused" to what a user can act on.
func conciseNetError(err error) string {
	var dns *net.DNSError
	if errors.As(err, &dns) {
		if dns.IsNotFound {
			return "host " + dns.Name + " not found"
		}
		return "cannot resolve " + dns.Name
	}
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		return "cannot connect: " + op.Err.Error()
	}
	if err == nil {
		return "unknown error"
	}
	return err.Error()
}

// retrier retries 5xx answers, timeouts and connection errors of
// idempotent requests, with exponential backoff and jitter. It reads every
// body completely, so that a connection that breaks mid-body is retried
// too and the layers above work on memory.
type retrier struct {
	next  http.RoundTripper
	opts  *Options
	stats *Stats
}

func (r *retrier) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	idempotent := req.Method == http.MethodGet || req.Method == http.MethodHead
	for attempt := 0; ; attempt++ {
		resp, err := r.attempt(req)
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		if !idempotent || !retryable(ctx, resp, err) {
			return resp, err
		}
		if attempt >= r.opts.MaxRetries {
			g := &GiveUpError{Attempts: attempt + 1, Err: err}
			if resp != nil {
				g.StatusCode, g.Status = resp.StatusCode, resp.Status
				g.Err = fmt.Errorf("HTTP %s", resp.Status)
			}
			return nil, g
		}
		r.stats.Retries.Add(1)
		if err := r.opts.Sleep(ctx, backoff(r.opts.RetryWait, attempt, resp)); err != nil {
			return nil, err
		}
	}
}

// attempt sends the request once, bounded by the per-attempt timeout, and
// reads the whole body.
func (r *retrier) attempt(req *http.Request) (*http.Response, error) {
	ctx, cancel := context.WithTimeout(req.Context(), r.opts.Timeout)
	defer cancel()
	resp, err := r.next.RoundTrip(req.WithContext(ctx))
	if err != nil {
		return nil, err
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	return resp, nil
}

// retryable follows go-retryablehttp's DefaultRetryPolicy (connection
// errors except TLS, scheme and redirect errors; 5xx except 501), minus
// what other layers or nobody should retry: 4xx answers (rate limits are
// the rate-limit layer's business) and unknown host names.
func retryable(ctx context.Context, resp *http.Response, err error) bool {
	if err != nil {
		var dns *net.DNSError
		if errors.As(err, &dns) && dns.IsNotFound {
			return false
		}
	} else if resp.StatusCode < 500 {
		return false
	}
	ok, _ := retryablehttp.DefaultRetryPolicy(ctx, resp, err)
	return ok
}

// backoff is go-retryablehttp's DefaultBackoff (doubling from min, capped
// at 30s, Retry-After on 503 honoured) with "equal jitter": a random wait
// between half and all of it, so that concurrent workers do not retry in
// lockstep.
func backoff(min time.Duration, attempt int, resp *http.Response) time.Duration {
	d := retryablehttp.DefaultBackoff(min, 30*time.Second, attempt, resp)
	if resp != nil && resp.StatusCode == http.StatusServiceUnavailable && resp.Header.Get("Retry-After") != "" {
		return d // the server said how long
	}
	half := d / 2
	return half + rand.N(half+1)
}
