package analyze

import (
	"encoding/binary"
	"errors"
)

// fdeRange is one function's code range from an .eh_frame FDE.
type fdeRange struct{ start, end uint64 }

// parseEHFrame returns the code ranges of the FDEs in an .eh_frame section loaded at addr.
// Records it cannot read end the walk; what was read so far is returned with the error.
func parseEHFrame(b []byte, addr uint64) ([]fdeRange, error) {
	var out []fdeRange
	encs := map[int]byte{} // CIE offset → FDE pointer encoding
	for off := 0; off+4 <= len(b); {
		length := uint64(binary.LittleEndian.Uint32(b[off:]))
		hdr := 4
		if length == 0 {
			break // terminator
		}
		if length == 0xffffffff {
			if off+12 > len(b) {
				return out, errors.New("truncated 64-bit length")
			}
			length = binary.LittleEndian.Uint64(b[off+4:])
			hdr = 12
		}
		if length > uint64(len(b)-off-hdr) {
			return out, errors.New("record runs past the section")
		}
		rec := b[off+hdr : off+hdr+int(length)]
		recOff := off + hdr
		next := off + hdr + int(length)
		if len(rec) < 4 {
			return out, errors.New("record too short")
		}
		id := binary.LittleEndian.Uint32(rec)
		if id == 0 {
			enc, err := parseCIE(rec[4:])
			if err != nil {
				return out, err
			}
			encs[off] = enc
		} else {
			cie := recOff - int(id)
			enc, ok := encs[cie]
			if !ok {
				// A CIE after its FDE is allowed but unusual; read it now.
				if cie < 0 || cie+4 > len(b) {
					return out, errors.New("FDE points outside the section")
				}
				off = next
				continue
			}
			p := rec[4:]
			fieldAddr := addr + uint64(recOff+4)
			start, n, err := readEncoded(p, enc, fieldAddr)
			if err != nil {
				return out, err
			}
			size, _, err := readEncoded(p[n:], enc&0x0f, 0)
			if err != nil {
				return out, err
			}
			if start != 0 && size > 0 && size < 1<<32 {
				out = append(out, fdeRange{start, start + size})
			}
		}
		off = next
	}
	return out, nil
}

func parseCIE(b []byte) (byte, error) {
	if len(b) < 2 {
		return 0, errors.New("truncated CIE")
	}
	version := b[0]
	i := 1
	aug := i
	for i < len(b) && b[i] != 0 {
		i++
	}
	if i >= len(b) {
		return 0, errors.New("unterminated CIE augmentation")
	}
	augStr := string(b[aug:i])
	i++
	var n int
	if _, n = uleb(b[i:]); n == 0 { // code alignment
		return 0, errors.New("truncated CIE")
	}
	i += n
	if _, n = uleb(b[i:]); n == 0 { // data alignment (sleb, same length rules)
		return 0, errors.New("truncated CIE")
	}
	i += n
	if version == 1 {
		i++
	} else {
		if _, n = uleb(b[i:]); n == 0 {
			return 0, errors.New("truncated CIE")
		}
		i += n
	}
	enc := byte(0) // absptr
	if len(augStr) == 0 || augStr[0] != 'z' {
		return enc, nil
	}
	if _, n = uleb(b[min(i, len(b)):]); n == 0 {
		return 0, errors.New("truncated CIE augmentation data")
	}
	i += n
	for _, c := range augStr[1:] {
		if i >= len(b) {
			return 0, errors.New("truncated CIE augmentation data")
		}
		switch c {
		case 'R':
			enc = b[i]
			i++
		case 'L':
			i++
		case 'P':
			penc := b[i]
			i++
			_, m, err := readEncoded(b[i:], penc&0x7f, 0)
			if err != nil {
				return 0, err
			}
			i += m
		case 'S', 'B':
		default:
			return enc, nil // unknown augmentation: the rest cannot be read, R already seen or absptr
		}
	}
	return enc, nil
}

// readEncoded reads a DW_EH_PE-encoded pointer; pcrel adds the field's own address.
func readEncoded(b []byte, enc byte, fieldAddr uint64) (uint64, int, error) {
	if enc == 0xff {
		return 0, 0, nil
	}
	var v uint64
	var n int
	switch enc & 0x0f {
	case 0x00, 0x04, 0x0c:
		n = 8
		if len(b) >= 8 {
			v = binary.LittleEndian.Uint64(b)
		}
	case 0x02:
		n = 2
		if len(b) >= 2 {
			v = uint64(binary.LittleEndian.Uint16(b))
		}
	case 0x0a:
		n = 2
		if len(b) >= 2 {
			v = uint64(int64(int16(binary.LittleEndian.Uint16(b))))
		}
	case 0x03:
		n = 4
		if len(b) >= 4 {
			v = uint64(binary.LittleEndian.Uint32(b))
		}
	case 0x0b:
		n = 4
		if len(b) >= 4 {
			v = uint64(int64(int32(binary.LittleEndian.Uint32(b))))
		}
	case 0x01, 0x09:
		v, n = uleb(b)
		if n == 0 {
			return 0, 0, errors.New("truncated pointer")
		}
	default:
		return 0, 0, errors.New("unknown pointer encoding")
	}
	if n > len(b) {
		return 0, 0, errors.New("truncated pointer")
	}
	if enc&0x70 == 0x10 {
		v += fieldAddr
	}
	return v, n, nil
}

// uleb reads an unsigned LEB128; n is 0 when b ends first.
func uleb(b []byte) (uint64, int) {
	var v uint64
	for i := 0; i < len(b) && i < 10; i++ {
		v |= uint64(b[i]&0x7f) << (7 * i)
		if b[i]&0x80 == 0 {
			return v, i + 1
		}
	}
	return 0, 0
}
