// Command benchtable reads `go test -bench` output on stdin and prints the
// table of `make bench`: scenario, objects, read calls, write calls, the
// minimal number of calls, wall time (and its bound, for apply), peak
// memory.
package main

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
)

func main() {
	tw := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "scenario\tobjects\tread calls\twrite calls\tminimal calls\twall time\tbound\tpeak memory\t")
	sc := bufio.NewScanner(os.Stdin)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 4 || !strings.HasPrefix(fields[0], "Benchmark") {
			continue
		}
		m := metrics(fields[2:])
		if _, ok := m["objects"]; !ok {
			continue // a micro-benchmark: its line above says enough
		}
		wall := time.Duration(m["ns/op"])
		if s, ok := m["wall-s"]; ok {
			wall = time.Duration(s * float64(time.Second))
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t\n", strings.TrimPrefix(fields[0], "Benchmark"),
			num(m, "objects"), num(m, "read-calls"), num(m, "write-calls"), num(m, "min-calls"),
			wall.Round(time.Millisecond), seconds(m, "bound-s"), mb(m, "peak-MB"))
	}
	tw.Flush()
	if err := sc.Err(); err != nil {
		fmt.Fprintln(os.Stderr, "benchtable:", err)
		os.Exit(1)
	}
}

// metrics reads "value unit" pairs.
func metrics(fields []string) map[string]float64 {
	out := map[string]float64{}
	for i := 0; i+1 < len(fields); i += 2 {
		if v, err := strconv.ParseFloat(fields[i], 64); err == nil {
			out[fields[i+1]] = v
		}
	}
	return out
}

func num(m map[string]float64, k string) string {
	if v, ok := m[k]; ok {
		return strconv.FormatFloat(v, 'f', -1, 64)
	}
	return "-"
}

func seconds(m map[string]float64, k string) string {
	if v, ok := m[k]; ok {
		return time.Duration(v * float64(time.Second)).Round(time.Millisecond).String()
	}
	return "-"
}

func mb(m map[string]float64, k string) string {
	if v, ok := m[k]; ok {
		return fmt.Sprintf("%.0f MB", v)
	}
	return "-"
}
