// gothreads is a multi-threaded Go workload for the recorder tests: eight goroutines
// locked to their own OS threads each hash a file they wrote, and main prints the
// combined digest, so the output is the same on every run. Each goroutine hashes long
// enough (well over the runtime's 10ms preemption slice) that the runtime's preemption
// signals (tgkill, rt_sigreturn) happen on every run, traced or not.
package main

import (
	"crypto/sha256"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sync"
)

func main() {
	dir, err := os.MkdirTemp("", "gothreads-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	defer os.RemoveAll(dir)
	sums := make([][32]byte, 8)
	var wg sync.WaitGroup
	for i := range sums {
		wg.Add(1)
		go func() {
			defer wg.Done()
			runtime.LockOSThread()
			path := filepath.Join(dir, fmt.Sprint(i))
			data := make([]byte, 1<<16)
			for j := range data {
				data[j] = byte(i + j)
			}
			if err := os.WriteFile(path, data, 0o600); err != nil {
				panic(err)
			}
			back, err := os.ReadFile(path)
			if err != nil {
				panic(err)
			}
			sum := sha256.Sum256(back)
			for range 300 {
				copy(back, sum[:])
				sum = sha256.Sum256(back)
			}
			sums[i] = sum
		}()
	}
	wg.Wait()
	h := sha256.New()
	for _, s := range sums {
		h.Write(s[:])
	}
	fmt.Printf("%x\n", h.Sum(nil))
}
