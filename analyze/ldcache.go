package analyze

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
)

// ldCache is /etc/ld.so.cache: soname → candidate paths, in the order ld.so tries them.
type ldCache map[string][]string

const (
	ldCacheNewMagic = "glibc-ld.so.cache1.1"
	ldCacheOldMagic = "ld.so-1.7.0"
	ldCacheMaxSize  = 64 << 20
)

// parseLDCache reads glibc's cache format: the new format alone (glibc ≥ 2.32 writes only
// this), or the old format followed by the new one. Offsets in the new format count from
// the start of its header.
func parseLDCache(b []byte) (ldCache, error) {
	if len(b) > ldCacheMaxSize {
		return nil, errors.New("larger than 64 MiB")
	}
	start := 0
	if bytes.HasPrefix(b, []byte(ldCacheOldMagic)) {
		if len(b) < 16 {
			return nil, errors.New("truncated old-format header")
		}
		n := int(binary.LittleEndian.Uint32(b[12:]))
		if n < 0 || n > len(b)/12 {
			return nil, errors.New("old-format entry count out of range")
		}
		start = 16 + n*12
		start = (start + 7) &^ 7
		if i := bytes.Index(b[min(start-8, len(b)):], []byte(ldCacheNewMagic)); i >= 0 && start-8 >= 0 {
			start = start - 8 + i
		}
	}
	if start > len(b) || !bytes.HasPrefix(b[start:], []byte(ldCacheNewMagic)) {
		return nil, fmt.Errorf("no %q header", ldCacheNewMagic)
	}
	h := b[start:]
	const hdr = 48
	if len(h) < hdr {
		return nil, errors.New("truncated header")
	}
	n := int(binary.LittleEndian.Uint32(h[20:]))
	if n < 0 || n > (len(h)-hdr)/24 {
		return nil, errors.New("entry count out of range")
	}
	str := func(off uint32) (string, bool) {
		o := int(off)
		if o < 0 || o >= len(h) {
			return "", false
		}
		e := bytes.IndexByte(h[o:], 0)
		if e < 0 {
			return "", false
		}
		return string(h[o : o+e]), true
	}
	c := ldCache{}
	for i := 0; i < n; i++ {
		e := h[hdr+i*24:]
		k, ok1 := str(binary.LittleEndian.Uint32(e[4:]))
		v, ok2 := str(binary.LittleEndian.Uint32(e[8:]))
		if !ok1 || !ok2 {
			return nil, fmt.Errorf("entry %d: string offset out of range", i)
		}
		c[k] = append(c[k], v)
	}
	return c, nil
}
