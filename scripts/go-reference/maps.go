package main

// The five Go contenders, written the way Go programmers write them. Each holds uint64 keys
// and values of 8 or 64 bytes (V), made from the key as the Rust side makes them
// (strategies/src/value.rs): word 0 is the check word, key ^ rotl(version, 32), version 0.

import (
	_ "embed"
	"encoding/json"
	"runtime"
	"sync"
	"unsafe"
)

// V8 is an 8-byte value (the check word).
type V8 uint64

// V64 is a 64-byte value: the check word, the version, then filler derived from the key.
type V64 [8]uint64

// Value is the constraint of the value types.
type Value interface{ V8 | V64 }

// version is the version every workload writes its values with (src/oracle.rs VERSION).
const version uint64 = 0

func checkWord(key, ver uint64) uint64 { return key ^ (ver<<32 | ver>>32) }

// makeValue is the value written for key (V::new(key, VERSION) on the Rust side).
func makeValue[V Value](key uint64) (v V) {
	*(*uint64)(unsafe.Pointer(&v)) = checkWord(key, version)
	if unsafe.Sizeof(v) == 64 {
		w := (*[8]uint64)(unsafe.Pointer(&v))
		w[1] = version
		for i := 2; i < 8; i++ {
			w[i] = key * 0x9e3779b97f4a7c15
		}
	}
	return v
}

// check is a value's check word: its first word for both sizes.
func check[V Value](v V) uint64 { return *(*uint64)(unsafe.Pointer(&v)) }

// Contender is what the workloads need of a Go map.
type Contender[V Value] interface {
	Get(k uint64) (V, bool)
	// Put inserts or overwrites; true if the key was absent.
	Put(k uint64, v V) bool
	// Delete removes; true if the key was present.
	Delete(k uint64) bool
	Len() int
	// Each visits every entry (untimed checks and the sparse-scan traversal).
	Each(f func(k uint64, v V))
	// Sweep deletes the doomed entries the contender's way; it returns visited and removed.
	Sweep(ks *KeySet) (visited, removed int)
	// SweepGrowing sweeps while inserting ins; single-goroutine contenders insert one key
	// every `every` visited entries (then the rest), shared ones from a writer goroutine.
	SweepGrowing(ks *KeySet, ins []uint64, every int) (visited, removed int)
	// Shrink rebuilds the map at its live size (Go maps never shrink: golang/go#20135);
	// false if the contender has no such operation.
	Shrink() bool
}

// Info describes a Go contender for the companion meta.json (contenders.json, which
// scripts/go-reference.sh also copies when Go cannot run).
type Info struct {
	Name         string `json:"name"`
	Kind         string `json:"kind"`
	Access       string `json:"access"`
	Consistency  string `json:"consistency"`
	ReadersBlock string `json:"readers_block"`
	ExtraMemory  string `json:"extra_memory"`
	ChooseWhen   string `json:"choose_when"`
	How          string `json:"how"`
	shared       bool
}

//go:embed contenders.json
var contendersJSON []byte

// Contenders lists the Go contenders in report order.
var Contenders []Info

func init() {
	if err := json.Unmarshal(contendersJSON, &Contenders); err != nil {
		panic("contenders.json: " + err.Error())
	}
	for i := range Contenders {
		Contenders[i].shared = Contenders[i].Access == "shared"
	}
}

func newContender[V Value](name string) Contender[V] {
	switch name {
	case "go-range-delete":
		return &plainMap[V]{m: map[uint64]V{}}
	case "go-collect-keys":
		return &collectMap[V]{plainMap[V]{m: map[uint64]V{}}}
	case "go-rwmutex":
		return &rwMap[V]{m: map[uint64]V{}}
	case "go-sharded":
		return newSharded[V](defaultShards())
	case "go-sync-map":
		return &syncMap[V]{}
	}
	panic("unknown contender " + name)
}

// plainMap is Go's map, swept by range-and-delete.
type plainMap[V Value] struct{ m map[uint64]V }

func (p *plainMap[V]) Get(k uint64) (V, bool) { v, ok := p.m[k]; return v, ok }

// Put and Delete tell whether they changed the map by its length: one hash operation each.
func (p *plainMap[V]) Put(k uint64, v V) bool {
	n := len(p.m)
	p.m[k] = v
	return len(p.m) > n
}
func (p *plainMap[V]) Delete(k uint64) bool {
	n := len(p.m)
	delete(p.m, k)
	return len(p.m) < n
}
func (p *plainMap[V]) Len() int { return len(p.m) }
func (p *plainMap[V]) Each(f func(uint64, V)) {
	for k, v := range p.m {
		f(k, v)
	}
}
func (p *plainMap[V]) Sweep(ks *KeySet) (visited, removed int) {
	m := p.m
	for k := range m {
		visited++
		if ks.IsDoomed(k) {
			delete(m, k)
			removed++
		}
	}
	return
}
func (p *plainMap[V]) SweepGrowing(ks *KeySet, ins []uint64, every int) (visited, removed int) {
	m := p.m
	next := 0
	for k := range m {
		visited++
		if ks.IsDoomed(k) {
			delete(m, k)
			removed++
		}
		if visited%every == 0 && next < len(ins) {
			m[ins[next]] = makeValue[V](ins[next])
			next++
		}
	}
	for ; next < len(ins); next++ {
		m[ins[next]] = makeValue[V](ins[next])
	}
	return
}
func (p *plainMap[V]) Shrink() bool {
	fresh := make(map[uint64]V, len(p.m))
	for k, v := range p.m {
		fresh[k] = v
	}
	p.m = fresh
	return true
}

// collectMap is Go's map, swept by collecting the doomed keys, then deleting them.
type collectMap[V Value] struct{ plainMap[V] }

func (c *collectMap[V]) Sweep(ks *KeySet) (visited, removed int) {
	m := c.m
	var doomed []uint64
	for k := range m {
		visited++
		if ks.IsDoomed(k) {
			doomed = append(doomed, k)
		}
	}
	for _, k := range doomed {
		delete(m, k)
	}
	return visited, len(doomed)
}
func (c *collectMap[V]) SweepGrowing(ks *KeySet, ins []uint64, every int) (visited, removed int) {
	m := c.m
	var doomed []uint64
	next := 0
	for k := range m {
		visited++
		if ks.IsDoomed(k) {
			doomed = append(doomed, k)
		}
		if visited%every == 0 && next < len(ins) {
			m[ins[next]] = makeValue[V](ins[next])
			next++
		}
	}
	for ; next < len(ins); next++ {
		m[ins[next]] = makeValue[V](ins[next])
	}
	for _, k := range doomed {
		delete(m, k)
	}
	return visited, len(doomed)
}

// rwMap is a map behind a sync.RWMutex; the sweep holds the write lock throughout.
type rwMap[V Value] struct {
	mu sync.RWMutex
	m  map[uint64]V
}

func (r *rwMap[V]) Get(k uint64) (V, bool) {
	r.mu.RLock()
	v, ok := r.m[k]
	r.mu.RUnlock()
	return v, ok
}
func (r *rwMap[V]) Put(k uint64, v V) bool {
	r.mu.Lock()
	n := len(r.m)
	r.m[k] = v
	fresh := len(r.m) > n
	r.mu.Unlock()
	return fresh
}
func (r *rwMap[V]) Delete(k uint64) bool {
	r.mu.Lock()
	n := len(r.m)
	delete(r.m, k)
	had := len(r.m) < n
	r.mu.Unlock()
	return had
}
func (r *rwMap[V]) Len() int {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return len(r.m)
}
func (r *rwMap[V]) Each(f func(uint64, V)) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	for k, v := range r.m {
		f(k, v)
	}
}
func (r *rwMap[V]) Sweep(ks *KeySet) (visited, removed int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for k := range r.m {
		visited++
		if ks.IsDoomed(k) {
			delete(r.m, k)
			removed++
		}
	}
	return
}
func (r *rwMap[V]) SweepGrowing(ks *KeySet, ins []uint64, _ int) (int, int) {
	return withWriter[V](r, ks, ins)
}
func (r *rwMap[V]) Shrink() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	fresh := make(map[uint64]V, len(r.m))
	for k, v := range r.m {
		fresh[k] = v
	}
	r.m = fresh
	return true
}

// withWriter runs the sweep of a shared contender while a writer goroutine inserts ins.
func withWriter[V Value](c Contender[V], ks *KeySet, ins []uint64) (visited, removed int) {
	var wg sync.WaitGroup
	start := make(chan struct{})
	wg.Add(1)
	go func() {
		defer wg.Done()
		<-start
		for _, k := range ins {
			c.Put(k, makeValue[V](k))
		}
	}()
	close(start)
	visited, removed = c.Sweep(ks)
	wg.Wait()
	return
}

// shard is one RWMutex-guarded map, padded to its own cache lines.
type shard[V Value] struct {
	mu sync.RWMutex
	m  map[uint64]V
	_  [64]byte
}

// shardedMap is N RWMutex shards; a sweep write-locks one shard at a time.
type shardedMap[V Value] struct{ shards []shard[V] }

// defaultShards is 4 per GOMAXPROCS rounded up to a power of two, as the Rust `sharded`.
func defaultShards() int {
	n := 1
	for n < 4*runtime.GOMAXPROCS(0) {
		n *= 2
	}
	return n
}

func newSharded[V Value](n int) *shardedMap[V] {
	s := &shardedMap[V]{shards: make([]shard[V], n)}
	for i := range s.shards {
		s.shards[i].m = map[uint64]V{}
	}
	return s
}

// shardOf picks the shard by Fibonacci hashing of the key (keys may be sequential).
func (s *shardedMap[V]) shardOf(k uint64) *shard[V] {
	h := (k * 0x9e3779b97f4a7c15) >> 32
	return &s.shards[(h*uint64(len(s.shards)))>>32]
}
func (s *shardedMap[V]) Get(k uint64) (V, bool) {
	sh := s.shardOf(k)
	sh.mu.RLock()
	v, ok := sh.m[k]
	sh.mu.RUnlock()
	return v, ok
}
func (s *shardedMap[V]) Put(k uint64, v V) bool {
	sh := s.shardOf(k)
	sh.mu.Lock()
	n := len(sh.m)
	sh.m[k] = v
	fresh := len(sh.m) > n
	sh.mu.Unlock()
	return fresh
}
func (s *shardedMap[V]) Delete(k uint64) bool {
	sh := s.shardOf(k)
	sh.mu.Lock()
	n := len(sh.m)
	delete(sh.m, k)
	had := len(sh.m) < n
	sh.mu.Unlock()
	return had
}
func (s *shardedMap[V]) Len() int {
	n := 0
	for i := range s.shards {
		sh := &s.shards[i]
		sh.mu.RLock()
		n += len(sh.m)
		sh.mu.RUnlock()
	}
	return n
}
func (s *shardedMap[V]) Each(f func(uint64, V)) {
	for i := range s.shards {
		sh := &s.shards[i]
		sh.mu.RLock()
		for k, v := range sh.m {
			f(k, v)
		}
		sh.mu.RUnlock()
	}
}
func (s *shardedMap[V]) Sweep(ks *KeySet) (visited, removed int) {
	for i := range s.shards {
		sh := &s.shards[i]
		sh.mu.Lock()
		for k := range sh.m {
			visited++
			if ks.IsDoomed(k) {
				delete(sh.m, k)
				removed++
			}
		}
		sh.mu.Unlock()
	}
	return
}
func (s *shardedMap[V]) SweepGrowing(ks *KeySet, ins []uint64, _ int) (int, int) {
	return withWriter[V](s, ks, ins)
}
func (s *shardedMap[V]) Shrink() bool {
	for i := range s.shards {
		sh := &s.shards[i]
		sh.mu.Lock()
		fresh := make(map[uint64]V, len(sh.m))
		for k, v := range sh.m {
			fresh[k] = v
		}
		sh.m = fresh
		sh.mu.Unlock()
	}
	return true
}

// syncMap is sync.Map, swept by Range + Delete.
type syncMap[V Value] struct{ m sync.Map }

func (s *syncMap[V]) Get(k uint64) (V, bool) {
	v, ok := s.m.Load(k)
	if !ok {
		var zero V
		return zero, false
	}
	return v.(V), true
}
func (s *syncMap[V]) Put(k uint64, v V) bool {
	// go1.19 has no Swap (added in 1.20).
	if _, loaded := s.m.LoadOrStore(k, v); loaded {
		s.m.Store(k, v)
		return false
	}
	return true
}
func (s *syncMap[V]) Delete(k uint64) bool {
	_, loaded := s.m.LoadAndDelete(k)
	return loaded
}
func (s *syncMap[V]) Len() int {
	n := 0
	s.m.Range(func(_, _ any) bool { n++; return true })
	return n
}
func (s *syncMap[V]) Each(f func(uint64, V)) {
	s.m.Range(func(k, v any) bool { f(k.(uint64), v.(V)); return true })
}
func (s *syncMap[V]) Sweep(ks *KeySet) (visited, removed int) {
	s.m.Range(func(k, _ any) bool {
		visited++
		if ks.IsDoomed(k.(uint64)) {
			s.m.Delete(k)
			removed++
		}
		return true
	})
	return
}
func (s *syncMap[V]) SweepGrowing(ks *KeySet, ins []uint64, _ int) (int, int) {
	return withWriter[V](s, ks, ins)
}
func (s *syncMap[V]) Shrink() bool { return false }
