package monitor

import (
	"testing"
	"time"
)

func TestExecCache(t *testing.T) {
	t0 := time.Unix(1000, 0)
	a, b := CgroupInfo{ContainerID: "a"}, CgroupInfo{ContainerID: "b"}
	tests := []struct {
		name string
		run  func(c *execCache)
		at   time.Time
		pid  int
		want string // "" = absent
	}{
		{"kept", func(c *execCache) { c.put(1, a, t0) }, t0.Add(59 * time.Second), 1, "a"},
		{"expired", func(c *execCache) { c.put(1, a, t0) }, t0.Add(60 * time.Second), 1, ""},
		{"newer exec replaces", func(c *execCache) { c.put(1, a, t0); c.put(1, b, t0.Add(time.Second)) }, t0.Add(2 * time.Second), 1, "b"},
		{"replaced entry outlives the older insertion", func(c *execCache) { c.put(1, a, t0); c.put(1, b, t0.Add(30*time.Second)) }, t0.Add(70 * time.Second), 1, "b"},
		{"forgotten on fork", func(c *execCache) { c.put(1, a, t0); c.forget(1) }, t0, 1, ""},
		{"oldest evicted when full", func(c *execCache) {
			c.put(1, a, t0)
			c.put(2, b, t0)
			c.put(3, b, t0)
			c.put(4, b, t0)
			c.put(5, b, t0)
		}, t0, 1, ""},
		{"newer kept when full", func(c *execCache) {
			c.put(1, a, t0)
			c.put(2, b, t0)
			c.put(3, b, t0)
			c.put(4, b, t0)
			c.put(5, b, t0)
		}, t0, 2, "b"},
		{"replacement not evicted by its stale slot", func(c *execCache) {
			c.put(1, a, t0)
			c.put(2, b, t0)
			c.put(3, b, t0)
			c.put(1, b, t0)
			c.put(4, b, t0) // evicts the first slot, which no longer is pid 1's entry
		}, t0, 1, "b"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newExecCache(60*time.Second, 4)
			tt.run(c)
			got, ok := c.get(tt.pid, tt.at)
			if ok != (tt.want != "") || got.ContainerID != tt.want {
				t.Errorf("get(%d) = %q, %v; want %q", tt.pid, got.ContainerID, ok, tt.want)
			}
			if len(c.entries) > 4 || c.n > 4 {
				t.Errorf("%d entries, %d in the ring; bound 4", len(c.entries), c.n)
			}
		})
	}
}
