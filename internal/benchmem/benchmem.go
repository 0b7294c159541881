// Package benchmem measures the peak heap of a piece of work, for the
// benchmarks' "peak memory" column.
package benchmem

import (
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// PeakHeapMB runs f while sampling the heap in use every 5 ms, and returns
// the peak in MB.
func PeakHeapMB(f func()) float64 {
	runtime.GC()
	var peak atomic.Uint64
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		var m runtime.MemStats
		for {
			runtime.ReadMemStats(&m)
			if m.HeapInuse > peak.Load() {
				peak.Store(m.HeapInuse)
			}
			select {
			case <-done:
				return
			case <-time.After(5 * time.Millisecond):
			}
		}
	})
	f()
	close(done)
	wg.Wait()
	return float64(peak.Load()) / (1 << 20)
}
