package analyze_test

import (
	"context"
	"fmt"
	"slices"

	"github.com/seccompctl/seccompctl/analyze"
)

func ExampleAnalyze() {
	res, err := analyze.Analyze(context.Background(), []string{"/bin/ls"}, analyze.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	set := res.Set("SCMP_ARCH_X86_64")
	fmt.Println(slices.Contains(set, "getdents64"), slices.Contains(set, "openat"))
	// Output: true true
}
