package lines

import (
	"errors"
	"io"
	"strings"
	"testing"
)

func TestRead(t *testing.T) {
	long := strings.Repeat("x", 100)
	in := "a\r\nb\n" + long + "\n\nc" // last line without a newline
	var got []string
	var nums []int
	var bad []int
	err := Read(strings.NewReader(in), 10, func(n int, text []byte) {
		got = append(got, string(text))
		nums = append(nums, n)
	}, func(n int, err error) {
		if !errors.Is(err, ErrTooLong) || !strings.Contains(err.Error(), "101 bytes") {
			t.Errorf("line %d: %v", n, err)
		}
		bad = append(bad, n)
	})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(got, "|") != "a|b||c" || len(nums) != 4 || nums[3] != 5 {
		t.Errorf("lines %q numbered %v", got, nums)
	}
	if len(bad) != 1 || bad[0] != 3 {
		t.Errorf("too long: %v, want [3]", bad)
	}
}

// A line far over the reader's own buffer is skipped without holding it in memory.
func TestReadHugeLine(t *testing.T) {
	r := io.MultiReader(strings.NewReader("first\n"), strings.NewReader(strings.Repeat("y", 3<<20)), strings.NewReader("\nlast\n"))
	var got []string
	tooLong := 0
	if err := Read(r, 1<<20, func(n int, text []byte) { got = append(got, string(text)) }, func(int, error) { tooLong++ }); err != nil {
		t.Fatal(err)
	}
	if strings.Join(got, "|") != "first|last" || tooLong != 1 {
		t.Errorf("got %q, %d too long", got, tooLong)
	}
}

func FuzzRead(f *testing.F) {
	f.Add("a\nbb\r\n\nccc", 2)
	f.Fuzz(func(t *testing.T, in string, max int) {
		if max < 0 || max > 1<<16 {
			return
		}
		total := 0
		Read(strings.NewReader(in), max, func(n int, text []byte) {
			if len(text) > max {
				t.Errorf("line %d of %d bytes passed with max %d", n, len(text), max)
			}
			total++
		}, func(int, error) { total++ })
		if want := strings.Count(in, "\n"); total < want {
			t.Errorf("%d lines seen, at least %d in the input", total, want)
		}
	})
}
