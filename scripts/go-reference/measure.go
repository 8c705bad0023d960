package main

// Running one workload on one Go contender: build and prefill (untimed), the timed phase,
// and the full verification of the state it leaves, as src/runner/scenario.rs does.

import (
	"fmt"
	"math/bits"
	"runtime"
	"sort"
	"sync"
	"sync/atomic"
	"time"
	_ "unsafe" // go:linkname
)

// nanotime is the runtime's monotonic clock (what time.Now's monotonic reading comes from),
// without time.Now's wall-clock read: cheaper per timed lookup.
//
//go:linkname nanotime runtime.nanotime
func nanotime() int64

// Cell is one workload with its parameters, as read from the Rust run's records.
type Cell struct {
	Workload   string
	Params     []byte // the raw JSON object, copied verbatim into the Go records
	Seed       uint64
	N          uint64
	Fraction   float64
	Keys       KeyOrder
	Doom       DoomPattern
	ValueBytes int
	Readers    int
	Inserts    uint64 // sweep-during-growth: inserts; churn: steps
	Shrink     bool
	Label      string
}

// keySet mirrors keys_for in src/runner/mod.rs.
func (c *Cell) keySet() *KeySet {
	var extra uint64
	switch c.Workload {
	case "sweep-during-growth":
		extra = c.Inserts
	case "churn":
		extra = 1 << 40
	}
	return NewKeySet(c.Keys, c.N, extra, c.Seed, c.Doom, c.Fraction)
}

// fresh reports whether every timed run needs a new state (sweeps consume theirs).
func (c *Cell) fresh() bool { return c.Workload != "churn" && c.Workload != "sparse-scan" }

// errNoShrink marks a sparse-scan cell that asks a contender without shrink to shrink.
var errNoShrink = fmt.Errorf("has no shrink operation")

type state[V Value] struct {
	c      Contender[V]
	oldest uint64
	rng    Rng
}

// work is one cell on one contender.
type work[V Value] struct {
	cell *Cell
	ks   *KeySet
	name string
}

func (w *work[V]) prefilled() Contender[V] {
	c := newContender[V](w.name)
	for r := uint64(0); r < w.ks.n; r++ {
		k := w.ks.Key(r)
		c.Put(k, makeValue[V](k))
	}
	return c
}

func (w *work[V]) setup() (*state[V], error) {
	st := &state[V]{c: w.prefilled()}
	if n := uint64(st.c.Len()); n != w.ks.n {
		return nil, fmt.Errorf("prefill of %d fresh keys left %d entries", w.ks.n, n)
	}
	switch w.cell.Workload {
	case "churn":
		st.rng = NewRng(w.ks.seed ^ 0xc4)
	case "sparse-scan":
		v, r := st.c.Sweep(w.ks)
		if err := w.checkSweep(v, r, w.ks.n, w.ks.n); err != nil {
			return nil, err
		}
		if w.cell.Shrink && !st.c.Shrink() {
			return nil, errNoShrink
		}
	}
	return st, nil
}

func (w *work[V]) checkSweep(visited, removed int, lo, hi uint64) error {
	v, r := uint64(visited), uint64(removed)
	if v < lo || v > hi || r != w.ks.doomedCount {
		return fmt.Errorf("sweep reported %d visited / %d removed, expected %d..=%d visited / %d removed",
			visited, removed, lo, hi, w.ks.doomedCount)
	}
	return nil
}

// probe collects per-lookup latencies of the readers when set.
type probe struct{ hists []*hist }

// meter reads MemStats right around the timed region of a phase (after a forced GC), never
// inside it; untimed preparation inside run (key slices, reader goroutines) is not counted.
type meter struct{ a, b runtime.MemStats }

func (m *meter) begin() {
	if m != nil {
		runtime.GC()
		readMem(&m.a)
	}
}

func (m *meter) end() {
	if m != nil {
		readMem(&m.b)
	}
}

// run is the timed phase; it returns the phase's wall time and its operations.
func (w *work[V]) run(st *state[V], p *probe, mt *meter) (time.Duration, uint64, error) {
	ks, c := w.ks, st.c
	n := ks.n
	switch w.cell.Workload {
	case "sweep":
		mt.begin()
		t0 := nanotime()
		v, r := c.Sweep(ks)
		el := time.Duration(nanotime() - t0)
		mt.end()
		return el, n, w.checkSweep(v, r, n, n)
	case "sweep-during-growth":
		ins := make([]uint64, w.cell.Inserts)
		for i := range ins {
			ins[i] = ks.Key(n + uint64(i))
		}
		every := int(n / w.cell.Inserts)
		if every < 1 {
			every = 1
		}
		mt.begin()
		t0 := nanotime()
		v, r := c.SweepGrowing(ks, ins, every)
		el := time.Duration(nanotime() - t0)
		mt.end()
		return el, n + w.cell.Inserts, w.checkSweep(v, r, n, n+w.cell.Inserts)
	case "readers-during-sweep":
		return w.runReaders(st, p, mt)
	case "churn":
		return w.runChurn(st, p, mt)
	case "sparse-scan":
		var sum uint64
		visited := 0
		var el time.Duration
		if pm, ok := plainOf(c); ok {
			mt.begin()
			t0 := nanotime()
			for k, v := range pm.m {
				sum += k ^ check(v)
				visited++
			}
			el = time.Duration(nanotime() - t0)
			mt.end()
		} else {
			// The closure's captures live on the heap: made before the phase begins.
			acc := &struct {
				sum     uint64
				visited int
			}{}
			f := func(k uint64, v V) { acc.sum += k ^ check(v); acc.visited++ }
			mt.begin()
			t0 := nanotime()
			c.Each(f)
			el = time.Duration(nanotime() - t0)
			mt.end()
			sum, visited = acc.sum, acc.visited
		}
		sink += sum
		want := n - ks.doomedCount
		if uint64(visited) != want {
			return el, want, fmt.Errorf("traversal visited %d, expected %d", visited, want)
		}
		return el, want, nil
	}
	return 0, 0, fmt.Errorf("workload %q is unknown to the Go reference", w.cell.Workload)
}

// sink keeps results alive (the compiler may not drop the loops that produce them).
var sink uint64

// plainOf is the plain map under the single-goroutine contenders (their hot loops index it
// directly, as Go programmers do, instead of calling through the interface).
func plainOf[V Value](c Contender[V]) (*plainMap[V], bool) {
	switch m := c.(type) {
	case *plainMap[V]:
		return m, true
	case *collectMap[V]:
		return &m.plainMap, true
	}
	return nil, false
}

func (w *work[V]) runChurn(st *state[V], p *probe, mt *meter) (time.Duration, uint64, error) {
	ks, c := w.ks, st.c
	n := ks.n
	steps := w.cell.Inserts
	end := st.oldest + steps
	if end+n >= ks.total {
		return 0, 0, fmt.Errorf("churn ran out of ranks")
	}
	fail := func(inserted, removed, hitOK, missOK bool) error {
		return fmt.Errorf("churn step %d: insert %v, remove %v, hit ok %v, miss absent %v",
			st.oldest, inserted, removed, hitOK, missOK)
	}
	var h *hist
	if p != nil {
		h = newHist()
		p.hists = append(p.hists, h)
	}
	pm, plain := plainOf(c)
	mt.begin()
	t0 := nanotime()
	for st.oldest < end {
		fresh := ks.Key(st.oldest + n)
		var inserted, removed, hitOK, missOK bool
		hit := ks.Key(st.oldest + 1 + st.rng.Below(n))
		miss := ks.AbsentKey(st.rng.Below(n))
		if plain {
			m := pm.m
			l := len(m)
			m[fresh] = makeValue[V](fresh)
			inserted = len(m) > l
			delete(m, ks.Key(st.oldest))
			removed = len(m) == l
			var hv V
			var ok, mok bool
			if h != nil {
				a := nanotime()
				hv, ok = m[hit]
				b := nanotime()
				_, mok = m[miss]
				h.add(b - a)
				h.add(nanotime() - b)
			} else {
				hv, ok = m[hit]
				_, mok = m[miss]
			}
			hitOK = ok && check(hv) == checkWord(hit, version)
			missOK = !mok
		} else {
			inserted = c.Put(fresh, makeValue[V](fresh))
			removed = c.Delete(ks.Key(st.oldest))
			var hv V
			var ok, mok bool
			if h != nil {
				a := nanotime()
				hv, ok = c.Get(hit)
				b := nanotime()
				_, mok = c.Get(miss)
				h.add(b - a)
				h.add(nanotime() - b)
			} else {
				hv, ok = c.Get(hit)
				_, mok = c.Get(miss)
			}
			hitOK = ok && check(hv) == checkWord(hit, version)
			missOK = !mok
		}
		st.oldest++
		if !inserted || !removed || !hitOK || !missOK {
			mt.end()
			return 0, 0, fail(inserted, removed, hitOK, missOK)
		}
	}
	el := time.Duration(nanotime() - t0)
	mt.end()
	return el, steps, nil
}

func (w *work[V]) runReaders(st *state[V], p *probe, mt *meter) (time.Duration, uint64, error) {
	ks, c := w.ks, st.c
	n := ks.n
	readers := w.cell.Readers
	var stop atomic.Bool
	var ready, done sync.WaitGroup
	start := make(chan struct{})
	errs := make([]error, readers)
	hists := make([]*hist, readers)
	for t := 0; t < readers; t++ {
		if p != nil {
			hists[t] = newHist()
		}
		ready.Add(1)
		done.Add(1)
		go func(t int) {
			defer done.Done()
			rng := NewRng(ks.seed ^ uint64(t+1))
			h := hists[t]
			var lookups uint64
			ready.Done()
			<-start
			for !stop.Load() {
				for i := 0; i < 64; i++ {
					r := rng.Below(n)
					hit := lookups%2 == 0
					k := ks.Key(r)
					if !hit {
						k = ks.AbsentKey(r)
					}
					var v V
					var ok bool
					if h != nil {
						a := nanotime()
						v, ok = c.Get(k)
						h.add(nanotime() - a)
					} else {
						v, ok = c.Get(k)
					}
					lookups++
					switch {
					case !ok && hit && !ks.RankDoomed(r):
						errs[t] = fmt.Errorf("a reader missed live key %#x during the sweep", k)
						return
					case ok && !hit:
						errs[t] = fmt.Errorf("a reader found key %#x, never inserted", k)
						return
					case ok && check(v) != checkWord(k, version):
						errs[t] = fmt.Errorf("a reader saw a wrong value for %#x", k)
						return
					}
				}
			}
		}(t)
	}
	ready.Wait()
	mt.begin()
	close(start)
	t0 := nanotime()
	v, r := c.Sweep(ks)
	el := time.Duration(nanotime() - t0)
	stop.Store(true)
	mt.end()
	done.Wait()
	for _, e := range errs {
		if e != nil {
			return el, n, e
		}
	}
	if p != nil {
		p.hists = append(p.hists, hists...)
	}
	return el, n, w.checkSweep(v, r, n, n)
}

// verify is the oracle (src/oracle.rs): len, a full traversal (every key expected, none twice,
// right value), a lookup of every rank the workload used, and absent keys.
func (w *work[V]) verify(st *state[V]) error {
	ks, c := w.ks, st.c
	n := ks.n
	var lo, hi, expected uint64
	live := func(r uint64) bool { return !ks.RankDoomed(r) }
	switch w.cell.Workload {
	case "sweep-during-growth":
		lo, hi = 0, n+w.cell.Inserts
		expected = n - ks.doomedCount + w.cell.Inserts
		live = func(r uint64) bool { return r >= n || !ks.RankDoomed(r) }
	case "churn":
		lo, hi, expected = 0, st.oldest+n, n
		old := st.oldest
		live = func(r uint64) bool { return r >= old }
	default:
		lo, hi, expected = 0, n, n-ks.doomedCount
	}
	if l := uint64(c.Len()); l != expected {
		return fmt.Errorf("len is %d, expected %d", l, expected)
	}
	seen := make([]uint64, (hi-lo+63)/64)
	var problem error
	visited := uint64(0)
	c.Each(func(k uint64, v V) {
		visited++
		if problem != nil {
			return
		}
		r, ok := ks.Rank(k)
		switch {
		case !ok:
			problem = fmt.Errorf("traversal yielded key %#x, never inserted", k)
		case r < lo || r >= hi || !live(r):
			problem = fmt.Errorf("traversal yielded key %#x (rank %d) which should be absent", k, r)
		default:
			i := r - lo
			if seen[i/64]&(1<<(i%64)) != 0 {
				problem = fmt.Errorf("traversal yielded key %#x (rank %d) twice", k, r)
			}
			seen[i/64] |= 1 << (i % 64)
			if check(v) != checkWord(k, version) {
				problem = fmt.Errorf("key %#x (rank %d) has a wrong value", k, r)
			}
		}
	})
	if problem != nil {
		return problem
	}
	if visited != expected {
		return fmt.Errorf("traversal visited %d entries, expected %d", visited, expected)
	}
	for r := lo; r < hi; r++ {
		k := ks.Key(r)
		v, ok := c.Get(k)
		switch {
		case live(r) && !ok:
			return fmt.Errorf("lookup of %#x (rank %d) missed a live key", k, r)
		case live(r) && check(v) != checkWord(k, version):
			return fmt.Errorf("lookup of %#x (rank %d) returned a wrong value", k, r)
		case !live(r) && ok:
			return fmt.Errorf("lookup of %#x (rank %d) found a removed key", k, r)
		}
	}
	for i := uint64(0); i < 64; i++ {
		if _, ok := c.Get(ks.AbsentKey(i)); ok {
			return fmt.Errorf("absent key %#x found", ks.AbsentKey(i))
		}
	}
	return nil
}

// lookups is sparse_lookups of src/runner/scenario.rs: mean ns of a hit and of a miss over
// `rounds` rounds of `batch` lookups (after one warm-up round); the median round counts.
func (w *work[V]) lookups(st *state[V], batch uint64, rounds int) (hitNs, missNs float64, err error) {
	ks, c := w.ks, st.c
	var live []uint64
	for r := uint64(0); r < ks.n; r++ {
		if !ks.RankDoomed(r) {
			live = append(live, ks.Key(r))
		}
	}
	if len(live) == 0 {
		return 0, 0, fmt.Errorf("no live keys to look up")
	}
	rng := NewRng(ks.seed ^ 0x10c)
	hits := make([]uint64, batch)
	misses := make([]uint64, batch)
	for i := range hits {
		hits[i] = live[rng.Below(uint64(len(live)))]
		misses[i] = ks.AbsentKey(uint64(i))
	}
	pm, plain := plainOf(c)
	time1 := func(keys []uint64, wantHit bool) (float64, error) {
		var per []float64
		for round := 0; round <= rounds; round++ {
			found := 0
			t0 := nanotime()
			if plain {
				m := pm.m
				for _, k := range keys {
					if _, ok := m[k]; ok {
						found++
					}
				}
			} else {
				for _, k := range keys {
					if _, ok := c.Get(k); ok {
						found++
					}
				}
			}
			ns := float64(nanotime()-t0) / float64(len(keys))
			want := 0
			if wantHit {
				want = len(keys)
			}
			if found != want {
				return 0, fmt.Errorf("%d of %d lookups found their key, expected %d", found, len(keys), want)
			}
			if round > 0 {
				per = append(per, ns)
			}
		}
		sort.Float64s(per)
		return per[len(per)/2], nil
	}
	if hitNs, err = time1(hits, true); err != nil {
		return
	}
	missNs, err = time1(misses, false)
	return
}

// hist is a log-linear latency histogram (128 sub-buckets per power of two: under 0.8% error).
type hist struct {
	counts [128 + 57*128]uint64
	total  uint64
	max    int64
}

func newHist() *hist { return &hist{} }

func bucketOf(v uint64) int {
	if v < 128 {
		return int(v)
	}
	shift := bits.Len64(v) - 8
	return 128 + shift*128 + int(v>>uint(shift)) - 128
}

// bucketValue is the midpoint of a bucket.
func bucketValue(i int) float64 {
	if i < 128 {
		return float64(i)
	}
	shift := (i - 128) / 128
	m := uint64((i-128)%128 + 128)
	lo := m << uint(shift)
	return float64(lo) + float64(uint64(1)<<uint(shift)-1)/2
}

func (h *hist) add(ns int64) {
	if ns < 0 {
		ns = 0
	}
	h.counts[bucketOf(uint64(ns))]++
	h.total++
	if ns > h.max {
		h.max = ns
	}
}

func (h *hist) merge(o *hist) {
	for i, c := range o.counts {
		h.counts[i] += c
	}
	h.total += o.total
	if o.max > h.max {
		h.max = o.max
	}
}

// quantile is the value at quantile q (0 < q < 1); max for q = 1.
func (h *hist) quantile(q float64) float64 {
	if q >= 1 {
		return float64(h.max)
	}
	rank := uint64(q*float64(h.total) + 0.999999)
	if rank == 0 {
		rank = 1
	}
	var seen uint64
	for i, c := range h.counts {
		seen += c
		if seen >= rank {
			v := bucketValue(i)
			if v > float64(h.max) {
				v = float64(h.max)
			}
			return v
		}
	}
	return float64(h.max)
}

// clockOverhead is the median cost of one timed empty region (two nanotime reads), in ns:
// it is included in every per-lookup latency.
func clockOverhead() float64 {
	var per []float64
	for round := 0; round < 9; round++ {
		const k = 10000
		var acc int64
		t0 := nanotime()
		for i := 0; i < k; i++ {
			a := nanotime()
			acc += nanotime() - a
		}
		_ = acc
		per = append(per, float64(nanotime()-t0)/k)
	}
	sort.Float64s(per)
	return per[len(per)/2]
}

// memPhase is the MemStats deltas of timed phases (read before and after each phase only).
type memPhase struct {
	mallocs, bytes, gcCycles, pauseNs uint64
	phases                            uint64
	heapAfter                         int64 // HeapAlloc right after the last phase, above the baseline
}

func readMem(m *runtime.MemStats) { runtime.ReadMemStats(m) }

func (p *memPhase) add(m *meter, baseline uint64) {
	a, b := &m.a, &m.b
	p.mallocs += b.Mallocs - a.Mallocs
	p.bytes += b.TotalAlloc - a.TotalAlloc
	p.gcCycles += uint64((b.NumGC - a.NumGC) - (b.NumForcedGC - a.NumForcedGC))
	p.pauseNs += b.PauseTotalNs - a.PauseTotalNs
	p.phases++
	p.heapAfter = int64(b.HeapAlloc) - int64(baseline)
}
