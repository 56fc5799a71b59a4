package forgetest

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
)

// statusWriter records the status of an answer, for the request log of
// both fakes.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(s int) {
	if w.status == 0 {
		w.status = s
	}
	w.ResponseWriter.WriteHeader(s)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// Notices collects the one-line notices a forge prints through its Logf
// option, so tests can assert what a user would read on stderr. It is safe
// for concurrent use.
type Notices struct {
	mu    sync.Mutex
	lines []string
}

// Logf records one notice.
func (n *Notices) Logf(format string, args ...any) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.lines = append(n.lines, fmt.Sprintf(format, args...))
}

// String returns the notices, one per line.
func (n *Notices) String() string {
	n.mu.Lock()
	defer n.mu.Unlock()
	return strings.Join(n.lines, "\n")
}
