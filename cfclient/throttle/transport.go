package throttle

import (
	"net/http"
	"time"
)

// NewTransport is the transport to put under a Throttle: Go's default
// transport with headerTimeout (0 means 60 s) as the cap on waiting for a
// response's headers.
func NewTransport(headerTimeout time.Duration) *http.Transport {
	if headerTimeout <= 0 {
		headerTimeout = 60 * time.Second
	}
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.ResponseHeaderTimeout = headerTimeout
	t.MaxIdleConnsPerHost = 8
	return t
}
