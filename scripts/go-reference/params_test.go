package main

import "testing"

func TestWithParamAddsThePhaseAndKeepsTheRest(t *testing.T) {
	got := string(withParam([]byte(`{"n":1024.0,"readers":1.0,"delete_fraction":0.5}`), "phase", "sweep"))
	want := `{"delete_fraction":0.5,"n":1024.0,"phase":"sweep","readers":1.0}`
	if got != want {
		t.Fatalf("withParam: got %s, want %s", got, want)
	}
}
