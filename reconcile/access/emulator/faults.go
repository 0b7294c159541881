package emulator

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// Faults are failures injected into API calls (not into /emulator hooks).
// Latency delays every call. Status answers the next Count calls, or a Rate
// fraction of calls, with that status and, when RetryAfter is set, a
// Retry-After header. The zero value injects nothing.
type Faults struct {
	Latency    Duration `json:"latency,omitempty"`
	Status     int      `json:"status,omitempty"`
	Count      int      `json:"count,omitempty"`
	Rate       float64  `json:"rate,omitempty"`
	RetryAfter int      `json:"retry_after,omitempty"` // seconds
}

func (f Faults) validate() error {
	switch {
	case f.Latency < 0:
		return fmt.Errorf("faults: latency may not be negative")
	case f.Rate < 0 || f.Rate > 1:
		return fmt.Errorf("faults: rate %v must be between 0 and 1", f.Rate)
	case f.Count < 0:
		return fmt.Errorf("faults: count may not be negative")
	case f.RetryAfter < 0:
		return fmt.Errorf("faults: retry_after may not be negative")
	case (f.Count > 0 || f.Rate > 0) && (f.Status < 400 || f.Status > 599):
		return fmt.Errorf("faults: status %d must be an error status (400-599)", f.Status)
	case f.Status != 0 && f.Count == 0 && f.Rate == 0:
		return fmt.Errorf("faults: status %d needs a count or a rate", f.Status)
	}
	return nil
}

// Duration is a time.Duration that JSON-encodes as Go syntax ("150ms").
type Duration time.Duration

func (d Duration) MarshalJSON() ([]byte, error) {
	return json.Marshal(time.Duration(d).String())
}

func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("duration: want a string such as \"150ms\"")
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return err
	}
	*d = Duration(v)
	return nil
}

type faultInjector struct {
	mu sync.Mutex
	f  Faults
}

func newFaultInjector(f Faults) *faultInjector {
	if f.Rate == 0 {
		f.Status = 0
	}
	return &faultInjector{f: f}
}

func (fi *faultInjector) set(f Faults) {
	fi.mu.Lock()
	fi.f = f
	fi.mu.Unlock()
}

func (fi *faultInjector) get() Faults {
	fi.mu.Lock()
	defer fi.mu.Unlock()
	return fi.f
}

// next decides the fate of one call: its delay, and a status to answer
// instead of serving it (0 to serve).
func (fi *faultInjector) next() (time.Duration, int, int) {
	fi.mu.Lock()
	defer fi.mu.Unlock()
	f := fi.f
	switch {
	case f.Count > 0:
		fi.f.Count--
		return time.Duration(f.Latency), f.Status, f.RetryAfter
	case f.Rate > 0 && rand.Float64() < f.Rate:
		return time.Duration(f.Latency), f.Status, f.RetryAfter
	}
	return time.Duration(f.Latency), 0, 0
}

// inject applies the faults to a call and reports whether it answered it.
func (fi *faultInjector) inject(w http.ResponseWriter, r *http.Request) bool {
	delay, status, retryAfter := fi.next()
	if delay > 0 {
		t := time.NewTimer(delay)
		defer t.Stop()
		select {
		case <-r.Context().Done():
			writeError(w, http.StatusServiceUnavailable, "request cancelled")
			return true
		case <-t.C:
		}
	}
	if status == 0 {
		return false
	}
	if retryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(retryAfter))
	}
	writeError(w, status, fmt.Sprintf("injected fault: %d %s", status, http.StatusText(status)))
	return true
}
