package main

import (
	"encoding/json"
	"strings"
	"testing"
)

func testCells(t *testing.T) []*Cell {
	t.Helper()
	specs := []struct {
		workload, params string
	}{
		{"sweep", `{"delete_fraction":0.5,"doom":"uniform","keys":"uniform","n":1000,"value_bytes":8}`},
		{"sweep", `{"delete_fraction":1.0,"doom":"zipf","keys":"sequential","n":700,"value_bytes":64}`},
		{"sweep-during-growth", `{"delete_fraction":0.5,"inserts":512,"n":832}`},
		{"readers-during-sweep", `{"delete_fraction":0.5,"n":4096,"readers":2}`},
		{"churn", `{"n":1024,"steps":256}`},
		{"sparse-scan", `{"n":4096,"shrink":"no"}`},
		{"sparse-scan", `{"n":4096,"shrink":"yes"}`},
	}
	var cells []*Cell
	for i, s := range specs {
		c, err := parseCell(s.workload, json.RawMessage(s.params), uint64(1000+i))
		if err != nil {
			t.Fatal(err)
		}
		cells = append(cells, c)
	}
	return cells
}

func runOnce[V Value](t *testing.T, c *Cell, info Info) {
	w := &work[V]{cell: c, ks: c.keySet(), name: info.Name}
	st, err := w.setup()
	if err == errNoShrink {
		if info.Name != "go-sync-map" {
			t.Errorf("%s: unexpected no-shrink", info.Name)
		}
		return
	}
	if err != nil {
		t.Fatalf("%s/%s setup: %v", c.Workload, info.Name, err)
	}
	runs := 1
	if !c.fresh() {
		runs = 2 // churn and sparse-scan continue on their state
	}
	for i := 0; i < runs; i++ {
		p := &probe{}
		if _, _, err := w.run(st, p, &meter{}); err != nil {
			t.Fatalf("%s/%s run: %v", c.Workload, info.Name, err)
		}
		if err := w.verify(st); err != nil {
			t.Fatalf("%s/%s verify: %v", c.Workload, info.Name, err)
		}
	}
	if c.Workload == "sparse-scan" {
		if _, _, err := w.lookups(st, 100, 3); err != nil {
			t.Fatalf("%s/%s lookups: %v", c.Workload, info.Name, err)
		}
	}
}

// TestEveryContenderPassesVerification runs every applicable cell on every Go contender.
func TestEveryContenderPassesVerification(t *testing.T) {
	for _, c := range testCells(t) {
		for _, info := range Contenders {
			if applicable(c, info) != "" {
				continue
			}
			if c.ValueBytes == 64 {
				runOnce[V64](t, c, info)
			} else {
				runOnce[V8](t, c, info)
			}
		}
	}
}

// TestVerificationCatchesWrongStates: a wrong survivor set, a wrong value, a missing insert.
func TestVerificationCatchesWrongStates(t *testing.T) {
	c := testCells(t)[0]
	w := &work[V8]{cell: c, ks: c.keySet(), name: "go-range-delete"}
	breakages := map[string]func(st *state[V8]){
		"kept a doomed key": func(st *state[V8]) {
			for r := uint64(0); r < w.ks.n; r++ {
				if w.ks.RankDoomed(r) {
					k := w.ks.Key(r)
					st.c.Put(k, makeValue[V8](k))
					st.c.Delete(w.ks.Key(firstLive(w.ks)))
					return
				}
			}
		},
		"wrong value": func(st *state[V8]) {
			k := w.ks.Key(firstLive(w.ks))
			st.c.Put(k, makeValue[V8](k+1))
		},
		"foreign key": func(st *state[V8]) {
			st.c.Put(w.ks.AbsentKey(5), 0)
			st.c.Delete(w.ks.Key(firstLive(w.ks)))
		},
	}
	for name, breakIt := range breakages {
		st, err := w.setup()
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := w.run(st, nil, nil); err != nil {
			t.Fatal(err)
		}
		breakIt(st)
		if err := w.verify(st); err == nil {
			t.Errorf("%s: verification passed", name)
		}
	}
}

func firstLive(ks *KeySet) uint64 {
	for r := uint64(0); ; r++ {
		if !ks.RankDoomed(r) {
			return r
		}
	}
}

func TestMapImplementationByVersion(t *testing.T) {
	for _, tc := range []struct {
		ver, exp string
		classic  bool
	}{
		{"go1.19.8", "", true}, {"go1.23.4", "", true}, {"go1.24.1", "", false},
		{"go1.24.1", "noswissmap", true}, {"go1.26.0", "noswissmap", false}, {"go1.18", "", false},
	} {
		if got, why := classic(tc.ver, tc.exp); got != tc.classic {
			t.Errorf("%s %q: classic %v (%s)", tc.ver, tc.exp, got, why)
		} else if !got && !strings.Contains(why, tc.ver) {
			t.Errorf("%s: reason %q does not name the version", tc.ver, why)
		}
	}
}

func TestRecordsHaveTheSchemaShape(t *testing.T) {
	c := testCells(t)[0]
	r := rangeRecord(c, "go-range-delete", "latency-ns-per-op", []float64{3, 1, 2})
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	_ = json.Unmarshal(b, &m)
	if m["status"] != "ok" || m["value"] != 2.0 || m["ci_low"] != 1.0 || m["ci_high"] != 3.0 || m["unit"] != "ns/op" {
		t.Errorf("record %s", b)
	}
	if m["interval"] != "range" || m["runs"] != 3.0 || m["schema"] != float64(schemaVersion) {
		t.Errorf("a range must say so: %s", b)
	}
	if _, ok := m["reason"]; ok {
		t.Errorf("an ok record has a reason: %s", b)
	}
	nm, _ := json.Marshal(notMeasured(c, "go-sync-map", "latency-ns-per-op", "why"))
	m = nil
	_ = json.Unmarshal(nm, &m)
	if _, hasValue := m["value"]; hasValue || m["status"] != "not-measured" || m["reason"] != "why" {
		t.Errorf("not-measured record %s", nm)
	}
}

func TestHistogramQuantiles(t *testing.T) {
	h := newHist()
	for v := int64(1); v <= 10000; v++ {
		h.add(v)
	}
	for _, q := range []float64{0.5, 0.99, 0.999} {
		got, want := h.quantile(q), q*10000
		if got < want*0.99 || got > want*1.01 {
			t.Errorf("q%.3f = %.1f, want about %.0f", q, got, want)
		}
	}
	if h.quantile(1) != 10000 {
		t.Errorf("max %v", h.quantile(1))
	}
}
