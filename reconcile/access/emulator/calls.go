package emulator

import (
	"cmp"
	"slices"
	"sync"
)

// Calls is the log of API calls a server received: how many, by method,
// route template and answered status.
type Calls struct {
	Total int         `json:"total"`
	Calls []CallCount `json:"calls"`
}

// CallCount counts the calls of one method and route that got one status.
type CallCount struct {
	Method string `json:"method"`
	Route  string `json:"route"` // e.g. /api/v2/users/{username}
	Status int    `json:"status"`
	Count  int    `json:"count"`
}

// Count returns the number of calls of method and route, any status.
func (c Calls) Count(method, route string) int {
	n := 0
	for _, cc := range c.Calls {
		if cc.Method == method && cc.Route == route {
			n += cc.Count
		}
	}
	return n
}

// Writes returns the number of calls that are not GETs.
func (c Calls) Writes() int {
	n := 0
	for _, cc := range c.Calls {
		if cc.Method != "GET" {
			n += cc.Count
		}
	}
	return n
}

type callKey struct {
	method, route string
	status        int
}

type callLog struct {
	mu     sync.Mutex
	counts map[callKey]int
}

func newCallLog() *callLog { return &callLog{counts: make(map[callKey]int)} }

func (l *callLog) add(method, route string, status int) {
	l.mu.Lock()
	l.counts[callKey{method, route, status}]++
	l.mu.Unlock()
}

func (l *callLog) reset() {
	l.mu.Lock()
	clear(l.counts)
	l.mu.Unlock()
}

func (l *callLog) snapshot() Calls {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := Calls{Calls: make([]CallCount, 0, len(l.counts))}
	for k, n := range l.counts {
		out.Calls = append(out.Calls, CallCount{Method: k.method, Route: k.route, Status: k.status, Count: n})
		out.Total += n
	}
	slices.SortFunc(out.Calls, func(a, b CallCount) int {
		return cmp.Or(cmp.Compare(a.Route, b.Route), cmp.Compare(a.Method, b.Method), cmp.Compare(a.Status, b.Status))
	})
	return out
}
