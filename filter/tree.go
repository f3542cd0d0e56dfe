package filter

import (
	"math"
	"sync"

	"github.com/seccompctl/seccompctl/bpf"
)

// node is a node of the search tree over runs of syscall numbers: a leaf names a run,
// an inner node splits the runs [lo, hi] at run split (numbers below the first number
// of run split go left).
type node struct {
	lo, hi      int
	split       int
	left, right *node
	label       bpf.Label // of its comparison, once code refers to it
}

func (n *node) leaf() bool { return n.left == nil }

// maxOptimalRuns bounds the quadratic optimal-tree computation; larger searches are
// split by weight instead.
const maxOptimalRuns = 1500

// searchTree returns the binary search tree over len(w) runs that minimises the sum of
// weight × depth: the weighted average number of comparisons. It is the optimal
// alphabetic tree, computed with Knuth's monotone-root dynamic program in O(n²) time;
// the tables are int32 and int16 and reused, since compiling must stay fast.
func searchTree(w []int64) *node {
	n := len(w)
	prefix := make([]int64, n+1)
	for i, x := range w {
		prefix[i+1] = prefix[i] + x
	}
	if n > maxOptimalRuns || prefix[n]*int64(n) > math.MaxInt32 {
		return splitByWeight(prefix, 0, n-1)
	}
	t := dpPool.Get().(*dpTables)
	defer dpPool.Put(t)
	if cap(t.cost) < n*n {
		t.cost = make([]int32, n*n)
		t.root = make([]int16, n*n)
	}
	cost, root := t.cost[:n*n], t.root[:n*n]
	for i := range n {
		cost[i*n+i] = 0
		root[i*n+i] = int16(i)
	}
	for size := 2; size <= n; size++ {
		for i := 0; i+size-1 < n; i++ {
			j := i + size - 1
			kmin := max(int(root[i*n+j-1]), i+1)
			kmax := int(root[(i+1)*n+j])
			best, bestK := int32(math.MaxInt32), kmin
			for k := kmin; k <= kmax; k++ {
				if c := cost[i*n+k-1] + cost[k*n+j]; c < best {
					best, bestK = c, k
				}
			}
			cost[i*n+j] = best + int32(prefix[j+1]-prefix[i])
			root[i*n+j] = int16(bestK)
		}
	}
	nodes := make([]node, 0, 2*n-1)
	var mk func(i, j int) *node
	mk = func(i, j int) *node {
		nodes = append(nodes, node{lo: i, hi: j})
		nd := &nodes[len(nodes)-1]
		if i < j {
			k := int(root[i*n+j])
			nd.split, nd.left, nd.right = k, mk(i, k-1), mk(k, j)
		}
		return nd
	}
	return mk(0, n-1)
}

type dpTables struct {
	cost []int32
	root []int16
}

var dpPool = sync.Pool{New: func() any { return &dpTables{} }}

// splitByWeight builds a tree by splitting at the weighted median: within a factor of
// the optimum, in O(n log n).
func splitByWeight(prefix []int64, i, j int) *node {
	if i == j {
		return &node{lo: i, hi: j}
	}
	half := (prefix[i] + prefix[j+1]) / 2
	k := i + 1
	for k < j && prefix[k] < half {
		k++
	}
	return &node{lo: i, hi: j, split: k, left: splitByWeight(prefix, i, k-1), right: splitByWeight(prefix, k, j)}
}
