package main

// A port of src/keys.rs: the key bijection by rank and the doomed set (uniform, or Zipf
// weighted sampling without replacement), so Go's contenders see exactly the keys and doomed
// sets of the Rust cells. keys_test.go checks this port against a golden file that the Rust
// crate generates (and checks to be current).

import (
	"math"
	"math/bits"
	"sort"
)

// KeyOrder is how ranks map to keys.
type KeyOrder int

const (
	// Uniform keys look random: a seeded 64-bit bijection of the rank.
	Uniform KeyOrder = iota
	// Sequential keys are rank + 1.
	Sequential
)

func (o KeyOrder) id() string {
	if o == Sequential {
		return "sequential"
	}
	return "uniform"
}

// DoomPattern is which entries a sweep dooms.
type DoomPattern int

const (
	// DoomUniform dooms each key with equal probability (exactly the requested count).
	DoomUniform DoomPattern = iota
	// DoomZipf dooms rank r with weight 1/(r+1).
	DoomZipf
)

func (d DoomPattern) id() string {
	if d == DoomZipf {
		return "zipf"
	}
	return "uniform"
}

// KeySet holds the keys of one workload: n prefilled ranks, extra further ranks, and the
// doomed subset of the prefilled ranks as a bitmap.
type KeySet struct {
	order       KeyOrder
	seed        uint64
	n           uint64
	total       uint64
	doomed      []uint64
	doomedCount uint64
}

// NewKeySet mirrors KeySet::new.
func NewKeySet(order KeyOrder, n, extra, seed uint64, pattern DoomPattern, fraction float64) *KeySet {
	s := &KeySet{
		order:  order,
		seed:   seed,
		n:      n,
		total:  n + extra,
		doomed: make([]uint64, (n+63)/64),
	}
	count := uint64(math.Round(float64(n) * fraction))
	rng := NewRng(seed ^ 0xd00d)
	var chosen []uint64
	switch {
	case count == n:
		chosen = make([]uint64, n)
		for i := range chosen {
			chosen[i] = uint64(i)
		}
	case pattern == DoomUniform:
		ranks := make([]uint64, n)
		for i := range ranks {
			ranks[i] = uint64(i)
		}
		for i := uint64(0); i < count; i++ {
			j := i + rng.Below(uint64(len(ranks))-i)
			ranks[i], ranks[j] = ranks[j], ranks[i]
		}
		chosen = ranks[:count]
	default:
		// Efraimidis-Spirakis: the count smallest -ln(u) * (rank + 1). The Rust side selects
		// them with select_nth_unstable; the set is the same (scores are distinct in practice).
		type scored struct {
			score float64
			rank  uint64
		}
		all := make([]scored, n)
		for r := uint64(0); r < n; r++ {
			all[r] = scored{-math.Log(rng.Unit()) * float64(r+1), r}
		}
		sort.Slice(all, func(a, b int) bool { return all[a].score < all[b].score })
		chosen = make([]uint64, count)
		for i := range chosen {
			chosen[i] = all[i].rank
		}
	}
	for _, r := range chosen {
		s.doomed[r/64] |= 1 << (r % 64)
	}
	s.doomedCount = count
	return s
}

// Key is the key of rank.
func (s *KeySet) Key(rank uint64) uint64 {
	if s.order == Sequential {
		return rank + 1
	}
	return mix(rank ^ s.seed)
}

// Rank is the rank of key, and whether it is one of the set's ranks.
func (s *KeySet) Rank(key uint64) (uint64, bool) {
	var r uint64
	if s.order == Sequential {
		r = key - 1
	} else {
		r = unmix(key) ^ s.seed
	}
	return r, r < s.total
}

// RankDoomed reports whether a (prefilled) rank is doomed.
func (s *KeySet) RankDoomed(rank uint64) bool {
	return rank < s.n && s.doomed[rank/64]&(1<<(rank%64)) != 0
}

// IsDoomed is the doom predicate every sweep gets.
func (s *KeySet) IsDoomed(key uint64) bool {
	r, ok := s.Rank(key)
	return ok && s.RankDoomed(r)
}

// AbsentKey is a key never inserted by the workload (lookup misses).
func (s *KeySet) AbsentKey(i uint64) uint64 { return s.Key(s.total + i) }

const (
	m1 uint64 = 0xbf58476d1ce4e5b9
	m2 uint64 = 0x94d049bb133111eb
)

func inverse(a uint64) uint64 {
	x := a
	for i := 0; i < 5; i++ {
		x *= 2 - a*x
	}
	return x
}

var (
	m1Inv = inverse(m1)
	m2Inv = inverse(m2)
)

func mix(x uint64) uint64 {
	x = (x ^ (x >> 30)) * m1
	x = (x ^ (x >> 27)) * m2
	return x ^ (x >> 31)
}

func unshift(x uint64, s uint) uint64 {
	y := x
	for k := s; k < 64; k += s {
		y = x ^ (y >> s)
	}
	return y
}

func unmix(x uint64) uint64 {
	x = unshift(x, 31) * m2Inv
	x = unshift(x, 27) * m1Inv
	return unshift(x, 30)
}

// Rng is the suite's xorshift64* generator.
type Rng struct{ s uint64 }

// NewRng seeds a generator like Rng::new.
func NewRng(seed uint64) Rng { return Rng{mix(seed) | 1} }

// Next returns 64 random bits.
func (r *Rng) Next() uint64 {
	x := r.s
	x ^= x >> 12
	x ^= x << 25
	x ^= x >> 27
	r.s = x
	return x * 0x2545f4914f6cdd1d
}

// Below returns a number in [0, bound) by multiply-shift.
func (r *Rng) Below(bound uint64) uint64 {
	hi, _ := bits.Mul64(r.Next(), bound)
	return hi
}

// Unit returns a float in (0, 1].
func (r *Rng) Unit() float64 {
	return float64((r.Next()>>11)+1) / float64(uint64(1)<<53)
}
