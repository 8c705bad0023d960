// Command go-reference measures Go's own runtime map (and sync.Map) on the workloads of an
// evacbench run: the same cells, keys, doomed sets and verification as the Rust contenders,
// written the way Go programmers write them. It writes RUN_DIR/go-reference/records.jsonl and
// meta.json (companion files: the Rust run stays untouched; a re-run replaces them atomically).
//
//	go run . -run target/evacbench/runs/<run>
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"sort"
	"strconv"
	"strings"
	"time"
)

// schemaVersion is the records schema these records follow (reports/src/schema/mod.rs).
const schemaVersion = 2

// Metric ids and units (reports/src/schema/metric.rs).
var units = map[string]string{
	"latency-ns-per-op":        "ns/op",
	"latency-p50-ns":           "ns",
	"latency-p99-ns":           "ns",
	"latency-p999-ns":          "ns",
	"latency-max-ns":           "ns",
	"lookup-hit-ns":            "ns/op",
	"lookup-miss-ns":           "ns/op",
	"allocs-per-op":            "allocations/op",
	"alloc-bytes-per-op":       "bytes/op",
	"retained-bytes-per-entry": "bytes/entry",
	"gc-cycles-per-phase":      "cycles/phase",
	"gc-pause-ns-per-phase":    "ns/phase",
	"gc-heap-after-bytes":      "bytes",
}

// Record is one line of records.jsonl, in the schema of reports::Record.
type Record struct {
	Schema    int             `json:"schema"`
	Contender string          `json:"contender"`
	Workload  string          `json:"workload"`
	Params    json.RawMessage `json:"params"`
	Metric    string          `json:"metric"`
	Unit      string          `json:"unit"`
	Seed      uint64          `json:"seed"`
	Status    string          `json:"status"`
	Value     *float64        `json:"value,omitempty"`
	CiLow     *float64        `json:"ci_low,omitempty"`
	CiHigh    *float64        `json:"ci_high,omitempty"`
	// Interval says what ci_low..ci_high is ("range": min..max of Runs repetitions).
	Interval string `json:"interval,omitempty"`
	Runs     int    `json:"runs,omitempty"`
	// Samples are the per-repetition values, for the baseline's rank test.
	Samples []float64 `json:"samples,omitempty"`
	Reason  string    `json:"reason,omitempty"`
}

func record(c *Cell, contender, metric string) Record {
	u, ok := units[metric]
	if !ok {
		panic("unknown metric " + metric)
	}
	return Record{Schema: schemaVersion, Contender: contender, Workload: c.Workload,
		Params: c.Params, Metric: metric, Unit: u, Seed: c.Seed}
}

func okRecord(c *Cell, contender, metric string, v float64) Record {
	r := record(c, contender, metric)
	r.Status = "ok"
	r.Value = &v
	return r
}

// rangeRecord is the median of per-repetition values with their min..max range (a range,
// not a confidence interval: meta.json says so).
func rangeRecord(c *Cell, contender, metric string, vals []float64) Record {
	s := append([]float64(nil), vals...)
	sort.Float64s(s)
	med := s[len(s)/2]
	if len(s)%2 == 0 {
		med = (s[len(s)/2-1] + s[len(s)/2]) / 2
	}
	r := okRecord(c, contender, metric, med)
	if len(s) > 1 {
		lo, hi := s[0], s[len(s)-1]
		r.CiLow, r.CiHigh = &lo, &hi
		r.Interval = "range"
		r.Runs = len(s)
		r.Samples = append([]float64(nil), vals...)
	}
	return r
}

func failedRecord(c *Cell, contender, reason string) Record {
	r := record(c, contender, "latency-ns-per-op")
	r.Status = "failed-verification"
	r.Reason = reason
	return r
}

// withParam returns the JSON object params with key set to the string value (the object is
// re-encoded with its keys sorted, as encoding/json writes maps).
func withParam(params []byte, key, value string) []byte {
	fields := map[string]json.RawMessage{}
	if err := json.Unmarshal(params, &fields); err != nil {
		panic("params of a cell are not a JSON object: " + err.Error())
	}
	v, _ := json.Marshal(value)
	fields[key] = v
	out, err := json.Marshal(fields)
	if err != nil {
		panic(err)
	}
	return out
}

func notMeasured(c *Cell, contender, metric, reason string) Record {
	r := record(c, contender, metric)
	r.Status = "not-measured"
	r.Reason = reason
	return r
}

// Settings are the measurement settings, chosen from the Rust run's profile.
type Settings struct {
	Reps       int           `json:"repetitions"`
	MinReps    int           `json:"min_repetitions"`
	LatReps    int           `json:"latency_passes"`
	Budget     time.Duration `json:"-"`
	MinPhase   time.Duration `json:"-"`
	BudgetS    float64       `json:"budget_s_per_cell_and_contender"`
	MinPhaseUs float64       `json:"min_timed_us_per_repetition"`
}

func settingsFor(profile string) Settings {
	s := Settings{Reps: 10, MinReps: 5, LatReps: 3, Budget: 4 * time.Second, MinPhase: 2 * time.Millisecond}
	switch {
	case strings.HasPrefix(profile, "tiny"):
		s = Settings{Reps: 5, MinReps: 3, LatReps: 2, Budget: 500 * time.Millisecond, MinPhase: 200 * time.Microsecond}
	case strings.HasPrefix(profile, "full"):
		s = Settings{Reps: 20, MinReps: 6, LatReps: 6, Budget: 2 * time.Second, MinPhase: 2 * time.Millisecond}
	}
	s.BudgetS = s.Budget.Seconds()
	s.MinPhaseUs = float64(s.MinPhase.Microseconds())
	return s
}

// readCells reads the distinct cells (workload, params, seed) of the Rust run, in run order,
// from its time records.
func readCells(path string) ([]*Cell, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	seen := map[string]bool{}
	var cells []*Cell
	line := 0
	for sc.Scan() {
		line++
		text := bytes.TrimSpace(sc.Bytes())
		if len(text) == 0 {
			continue
		}
		var r struct {
			Workload string          `json:"workload"`
			Params   json.RawMessage `json:"params"`
			Metric   string          `json:"metric"`
			Seed     uint64          `json:"seed"`
		}
		if err := json.Unmarshal(text, &r); err != nil {
			return nil, fmt.Errorf("%s:%d: %v", path, line, err)
		}
		if r.Metric != "latency-ns-per-op" || r.Workload == "tune" {
			continue
		}
		key := r.Workload + "\x00" + string(r.Params) + "\x00" + strconv.FormatUint(r.Seed, 10)
		if seen[key] {
			continue
		}
		seen[key] = true
		c, err := parseCell(r.Workload, r.Params, r.Seed)
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %v", path, line, err)
		}
		cells = append(cells, c)
	}
	return cells, sc.Err()
}

func parseCell(workload string, raw json.RawMessage, seed uint64) (*Cell, error) {
	var p map[string]any
	if err := json.Unmarshal(raw, &p); err != nil {
		return nil, err
	}
	num := func(name string, def float64) float64 {
		if v, ok := p[name].(float64); ok {
			return v
		}
		return def
	}
	text := func(name, def string) string {
		if v, ok := p[name].(string); ok {
			return v
		}
		return def
	}
	c := &Cell{Workload: workload, Params: append(json.RawMessage(nil), raw...), Seed: seed,
		N: uint64(num("n", 0)), ValueBytes: 8}
	switch workload {
	case "sweep":
		c.Fraction = num("delete_fraction", 0.5)
		if text("keys", "uniform") == "sequential" {
			c.Keys = Sequential
		}
		if text("doom", "uniform") == "zipf" {
			c.Doom = DoomZipf
		}
		c.ValueBytes = int(num("value_bytes", 8))
	case "sweep-during-growth":
		c.Fraction = num("delete_fraction", 0.5)
		c.Inserts = uint64(num("inserts", 0))
	case "readers-during-sweep":
		c.Fraction = num("delete_fraction", 0.5)
		c.Readers = int(num("readers", 1))
	case "churn":
		c.Inserts = uint64(num("steps", 0))
	case "sparse-scan":
		c.Fraction = 0.99
		c.Shrink = text("shrink", "no") == "yes"
	}
	var labels []string
	for k, v := range p {
		if f, ok := v.(float64); ok {
			v = strconv.FormatFloat(f, 'f', -1, 64)
		}
		labels = append(labels, fmt.Sprintf("%s=%v", k, v))
	}
	sort.Strings(labels)
	c.Label = strings.Join(labels, ",")
	if c.N == 0 || (c.Workload == "churn" || c.Workload == "sweep-during-growth") && c.Inserts == 0 {
		return nil, fmt.Errorf("cell %s %s: missing parameters", workload, raw)
	}
	return c, nil
}

// applicable says why a contender cannot run a cell ("" if it can).
func applicable(c *Cell, info Info) string {
	switch c.Workload {
	case "sweep", "sweep-during-growth", "churn", "sparse-scan":
		return ""
	case "readers-during-sweep":
		if !info.shared {
			return "single goroutine: a plain Go map read by other goroutines during a delete " +
				"aborts the program (fatal error: concurrent map read and map write)"
		}
		return ""
	}
	return "workload unknown to the Go reference"
}

type runner struct {
	set      Settings
	started  time.Time
	done     int
	total    int
	failures int
}

func (r *runner) progress(id, what string) {
	fmt.Fprintf(os.Stderr, "[%3d/%d %5.0fs] %s: %s\n", r.done, r.total, time.Since(r.started).Seconds(), id, what)
}

// measure runs one cell on one contender and returns its records.
func measure[V Value](r *runner, c *Cell, ks *KeySet, info Info) []Record {
	id := fmt.Sprintf("%s/%s/%s", c.Workload, info.Name, c.Label)
	w := &work[V]{cell: c, ks: ks, name: info.Name}
	// A watchdog: the repetitions stop at their budget, but a phase that never ends (a lost
	// wake-up, a deadlock) must not hang the run either.
	limit := 20*r.set.Budget + 2*time.Minute
	watchdog := time.AfterFunc(limit, func() {
		fmt.Fprintf(os.Stderr, "go-reference: %s did not finish within %v; giving up\n", id, limit)
		os.Exit(3)
	})
	defer watchdog.Stop()
	var out []Record
	fail := func(reason string) []Record {
		r.failures++
		r.progress(id, "FAILED VERIFICATION: "+reason)
		return []Record{failedRecord(c, info.Name, reason)}
	}
	var base runtime.MemStats
	runtime.GC()
	readMem(&base)
	// 1. Warm-up: one untimed run, fully verified.
	t0 := time.Now()
	st, err := w.setup()
	if err == errNoShrink {
		r.progress(id, "not measured (no shrink operation)")
		why := info.Name + " has no shrink operation (sync.Map cannot be rebuilt in place)"
		for _, m := range []string{"latency-ns-per-op", "lookup-hit-ns", "lookup-miss-ns", "retained-bytes-per-entry"} {
			out = append(out, notMeasured(c, info.Name, m, why))
		}
		return out
	}
	if err != nil {
		return fail("setup: " + err.Error())
	}
	if _, _, err := w.run(st, nil, nil); err != nil {
		return fail(err.Error())
	}
	if err := w.verify(st); err != nil {
		return fail(err.Error())
	}
	one := time.Since(t0)
	// 2. Repetitions: each times phases until MinPhase of timed work, MemStats read around
	// each phase only, every phase's state verified afterwards.
	var nsPerOp, allocs, bytesOp, cycles, pauses, heapAfter, retained []float64
	repsStart := time.Now()
	est := one // the cost of the next repetition: the last one's
	for rep := 0; rep < r.set.Reps; rep++ {
		if rep >= r.set.MinReps && time.Since(repsStart)+est > r.set.Budget {
			break
		}
		if rep > 0 && time.Since(repsStart)+est > 3*r.set.Budget {
			break // a hard stop even below MinReps: nothing runs unbounded
		}
		repStart := time.Now()
		var timed time.Duration
		var ops uint64
		var mem memPhase
		// Short phases are repeated until MinPhase of timed work, within a wall-time share of
		// the budget (each phase costs a forced GC, a setup and a verification around it).
		share := r.set.Budget / time.Duration(r.set.Reps)
		for iter := 0; iter == 0 || (timed < r.set.MinPhase && time.Since(repStart) < share && iter < 100000); iter++ {
			if c.fresh() {
				st = nil
				if st, err = w.setup(); err != nil {
					return fail("setup: " + err.Error())
				}
			}
			var mt meter
			el, n, err := w.run(st, nil, &mt)
			if err != nil {
				return fail(err.Error())
			}
			mem.add(&mt, base.HeapAlloc)
			// A fresh state is verified after its phase; a persistent one (churn, sparse-scan)
			// after the repetition's last phase, below (each churn step checks its results).
			if c.fresh() {
				if err := w.verify(st); err != nil {
					return fail(err.Error())
				}
			}
			timed += el
			ops += n
		}
		if !c.fresh() {
			if err := w.verify(st); err != nil {
				return fail(err.Error())
			}
		}
		var after runtime.MemStats
		runtime.GC()
		readMem(&after)
		est = time.Since(repStart)
		fops := float64(ops)
		nsPerOp = append(nsPerOp, float64(timed.Nanoseconds())/fops)
		allocs = append(allocs, float64(mem.mallocs)/fops)
		bytesOp = append(bytesOp, float64(mem.bytes)/fops)
		cycles = append(cycles, float64(mem.gcCycles)/float64(mem.phases))
		pauses = append(pauses, float64(mem.pauseNs)/float64(mem.phases))
		heapAfter = append(heapAfter, math.Max(0, float64(mem.heapAfter)))
		if live := st.c.Len(); live > 0 {
			retained = append(retained, math.Max(0, float64(int64(after.HeapAlloc)-int64(base.HeapAlloc)))/float64(live))
		}
	}
	out = append(out,
		rangeRecord(c, info.Name, "latency-ns-per-op", nsPerOp),
		rangeRecord(c, info.Name, "allocs-per-op", allocs),
		rangeRecord(c, info.Name, "alloc-bytes-per-op", bytesOp),
		rangeRecord(c, info.Name, "gc-cycles-per-phase", cycles),
		rangeRecord(c, info.Name, "gc-pause-ns-per-phase", pauses),
		rangeRecord(c, info.Name, "gc-heap-after-bytes", heapAfter))
	if len(retained) > 0 {
		out = append(out, rangeRecord(c, info.Name, "retained-bytes-per-entry", retained))
	} else {
		out = append(out, notMeasured(c, info.Name, "retained-bytes-per-entry", "no live entries left"))
	}
	med := out[0].Value
	// 3. Latency percentiles of the lookups made during the phase (readers, churn).
	if c.Workload == "readers-during-sweep" || c.Workload == "churn" {
		var p50, p99, p999, pmax []float64
		for pass := 0; pass < r.set.LatReps; pass++ {
			if c.fresh() {
				st = nil
				if st, err = w.setup(); err != nil {
					return fail("setup: " + err.Error())
				}
			}
			p := &probe{}
			if _, _, err := w.run(st, p, nil); err != nil {
				return fail(err.Error())
			}
			if err := w.verify(st); err != nil {
				return fail(err.Error())
			}
			all := newHist()
			for _, h := range p.hists {
				all.merge(h)
			}
			if all.total == 0 {
				continue
			}
			p50 = append(p50, all.quantile(0.5))
			p99 = append(p99, all.quantile(0.99))
			p999 = append(p999, all.quantile(0.999))
			pmax = append(pmax, all.quantile(1))
		}
		metrics := []string{"latency-p50-ns", "latency-p99-ns", "latency-p999-ns", "latency-max-ns"}
		// The Rust runner records readers' percentiles per phase (idle, then during the
		// sweep); these lookups ran during the sweep, so they are that phase's configuration.
		at := c
		if c.Workload == "readers-during-sweep" {
			sweep := *c
			sweep.Params = withParam(c.Params, "phase", "sweep")
			at = &sweep
			idle := *c
			idle.Params = withParam(c.Params, "phase", "idle")
			for _, m := range metrics {
				out = append(out, notMeasured(&idle, info.Name, m,
					"the Go reference times readers only during the sweep, not on an idle map"))
			}
		}
		if len(p50) == 0 {
			for _, m := range metrics {
				out = append(out, notMeasured(at, info.Name, m,
					"no lookup completed while the phase ran (it ended before the readers were scheduled)"))
			}
		} else {
			for i, vals := range [][]float64{p50, p99, p999, pmax} {
				out = append(out, rangeRecord(at, info.Name, metrics[i], vals))
			}
		}
	}
	// 4. Lookups on the sparse table.
	if c.Workload == "sparse-scan" {
		hit, miss, err := w.lookups(st, 10000, 7)
		if err != nil {
			return fail(err.Error())
		}
		out = append(out, okRecord(c, info.Name, "lookup-hit-ns", hit), okRecord(c, info.Name, "lookup-miss-ns", miss))
	}
	r.progress(id, fmt.Sprintf("%.2f ns/op (median of %d; range %.2f..%.2f), %.3g allocs/op, %.3g GC cycles/phase",
		*med, len(nsPerOp), minOf(nsPerOp), maxOf(nsPerOp), *out[1].Value, *out[3].Value))
	return out
}

func minOf(v []float64) float64 {
	m := math.Inf(1)
	for _, x := range v {
		m = math.Min(m, x)
	}
	return m
}

func maxOf(v []float64) float64 {
	m := math.Inf(-1)
	for _, x := range v {
		m = math.Max(m, x)
	}
	return m
}

// Meta is the companion meta.json.
type Meta struct {
	Schema         int      `json:"schema"`
	Complete       bool     `json:"complete"`
	Measured       bool     `json:"measured"`
	Reason         string   `json:"reason,omitempty"`
	Date           string   `json:"date"`
	GoVersion      string   `json:"go_version"`
	Gogc           string   `json:"gogc"`
	Goexperiment   string   `json:"goexperiment"`
	Gomaxprocs     int      `json:"gomaxprocs"`
	MapImpl        string   `json:"map_implementation"`
	Hash           string   `json:"hash"`
	Interval       string   `json:"interval"`
	Clock          string   `json:"clock"`
	ClockOverhead  float64  `json:"clock_overhead_ns"`
	Settings       Settings `json:"settings"`
	Contenders     []Info   `json:"contenders"`
	Cells          int      `json:"cells"`
	Failures       int      `json:"failures"`
	RustRunProfile string   `json:"rust_profile"`
}

// HashNote is what the report states wherever Go appears.
const HashNote = "Go runtime's seeded aeshash/memhash (per-process AES key, per-map hash0), not foldhash: " +
	"Go's bucket layout differs from evacmap's and from run to run; compare costs, not structure"

func buildSetting(key string) string {
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			if s.Key == key {
				return s.Value
			}
		}
	}
	return os.Getenv(key)
}

// classic reports whether this Go's built-in map is the classic bucket map.
func classic(ver, exp string) (bool, string) {
	var major, minor int
	if _, err := fmt.Sscanf(strings.TrimPrefix(ver, "go"), "%d.%d", &major, &minor); err != nil {
		return false, "cannot parse the Go version " + ver
	}
	switch {
	case major != 1 || minor < 19:
		return false, ver + " is older than go1.19"
	case minor >= 26:
		return false, "Go's map is a Swiss table since go1.24 (" + ver + " has no classic map)"
	case minor >= 24 && !strings.Contains(exp, "noswissmap"):
		return false, "Go's map is a Swiss table since go1.24 (" + ver + "; build with GOEXPERIMENT=noswissmap for the classic one)"
	}
	return true, ""
}

func writeAtomic(path string, data []byte) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

func main() {
	runDir := flag.String("run", "", "the evacbench run directory (holding meta.json and records.jsonl)")
	filter := flag.String("filter", "", "only cells whose workload/contender/params id contains this")
	flag.Parse()
	if *runDir == "" {
		fmt.Fprintln(os.Stderr, "usage: go-reference -run RUN_DIR [-filter TEXT]")
		os.Exit(2)
	}
	var rustMeta struct {
		Profile string `json:"profile"`
	}
	if b, err := os.ReadFile(filepath.Join(*runDir, "meta.json")); err != nil {
		fatal(err)
	} else if err := json.Unmarshal(b, &rustMeta); err != nil {
		fatal(fmt.Errorf("%s: %v", filepath.Join(*runDir, "meta.json"), err))
	}
	cells, err := readCells(filepath.Join(*runDir, "records.jsonl"))
	if err != nil {
		fatal(err)
	}
	gogc := os.Getenv("GOGC")
	if gogc == "" {
		gogc = "100 (default)"
	}
	exp := buildSetting("GOEXPERIMENT")
	meta := Meta{Schema: schemaVersion, Date: time.Now().UTC().Format(time.RFC3339),
		GoVersion: runtime.Version(), Gogc: gogc, Goexperiment: exp, Gomaxprocs: runtime.GOMAXPROCS(0),
		MapImpl: "classic", Hash: HashNote,
		Interval: "ci_low..ci_high are the min..max range over the repetitions of one process " +
			"(not a confidence interval); the value is their median",
		Clock: "runtime.nanotime (monotonic, the clock behind time.Now's monotonic reading); per-lookup " +
			"latencies include one clock read pair", Settings: settingsFor(rustMeta.Profile),
		Contenders: Contenders, Cells: len(cells), RustRunProfile: rustMeta.Profile, Measured: true}
	if ok, why := classic(runtime.Version(), exp); !ok {
		meta.Measured, meta.Reason, meta.MapImpl = false, why, "swiss"
	}
	outDir := filepath.Join(*runDir, "go-reference")
	if err := os.MkdirAll(outDir, 0o755); err != nil {
		fatal(err)
	}
	meta.ClockOverhead = clockOverhead()
	r := &runner{set: meta.Settings, started: time.Now(), total: len(cells) * len(Contenders)}
	fmt.Fprintf(os.Stderr, "go-reference: %s (%s map, GOGC=%s, GOMAXPROCS=%d): %d cells x %d contenders; "+
		"timing one lookup costs %.0f ns of clock reads (included in the percentiles)\n",
		meta.GoVersion, meta.MapImpl, gogc, meta.Gomaxprocs, len(cells), len(Contenders), meta.ClockOverhead)
	var records []Record
	for _, c := range cells {
		var ks *KeySet
		for _, info := range Contenders {
			r.done++
			id := fmt.Sprintf("%s/%s/%s", c.Workload, info.Name, c.Label)
			if *filter != "" && !strings.Contains(id, *filter) {
				continue
			}
			if !meta.Measured {
				records = append(records, notMeasured(c, info.Name, "latency-ns-per-op", meta.Reason))
				continue
			}
			if why := applicable(c, info); why != "" {
				r.progress(id, "not measured ("+why+")")
				records = append(records, notMeasured(c, info.Name, "latency-ns-per-op", why))
				if c.Workload == "readers-during-sweep" {
					// The readers' phases are configurations of their own: each gets the reason.
					for _, phase := range []string{"idle", "sweep"} {
						at := *c
						at.Params = withParam(c.Params, "phase", phase)
						records = append(records, notMeasured(&at, info.Name, "latency-p99-ns", why))
					}
				}
				continue
			}
			if ks == nil {
				ks = c.keySet()
			}
			if c.ValueBytes == 64 {
				records = append(records, measure[V64](r, c, ks, info)...)
			} else {
				records = append(records, measure[V8](r, c, ks, info)...)
			}
		}
	}
	meta.Failures = r.failures
	meta.Complete = true
	var buf bytes.Buffer
	for _, rec := range records {
		line, err := json.Marshal(rec)
		if err != nil {
			fatal(err)
		}
		buf.Write(line)
		buf.WriteByte('\n')
	}
	if err := writeAtomic(filepath.Join(outDir, "records.jsonl"), buf.Bytes()); err != nil {
		fatal(err)
	}
	mb, _ := json.MarshalIndent(meta, "", "  ")
	if err := writeAtomic(filepath.Join(outDir, "meta.json"), append(mb, '\n')); err != nil {
		fatal(err)
	}
	fmt.Fprintf(os.Stderr, "go-reference: wrote %d records to %s (%d failed verification)\n",
		len(records), outDir, r.failures)
	if r.failures > 0 {
		os.Exit(1)
	}
}

func fatal(err error) {
	fmt.Fprintln(os.Stderr, "go-reference: error:", err)
	os.Exit(2)
}
