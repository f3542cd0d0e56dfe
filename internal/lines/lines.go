// Package lines reads text a line at a time where one overlong line must not end the
// whole read: logs and traces are skipped past, line by line, when a line cannot be
// used (bufio.Scanner stops at the first line over its limit).
package lines

import (
	"bufio"
	"errors"
	"fmt"
	"io"
)

// ErrTooLong is reported, through Read's tooLong callback, for a line over the limit.
var ErrTooLong = errors.New("line too long")

// Read calls line for each line of r (without its line ending, "\r\n" or "\n"), with
// its 1-based number. A line longer than max bytes is not passed to line: tooLong
// gets its number and an error saying how long it was, and reading goes on with the
// next line. Memory stays bounded by max whatever the input. Only a read error of r
// ends Read early.
func Read(r io.Reader, max int, line func(n int, text []byte), tooLong func(n int, err error)) error {
	br := bufio.NewReaderSize(r, 64<<10)
	buf := make([]byte, 0, 64<<10)
	n := 0
	for {
		buf = buf[:0]
		over := false
		size := 0
		var err error
		for {
			var chunk []byte
			chunk, err = br.ReadSlice('\n')
			size += len(chunk)
			if !over {
				if len(buf)+len(chunk) > max+2 { // room for the line ending
					over, buf = true, buf[:0]
				} else {
					buf = append(buf, chunk...)
				}
			}
			if err != bufio.ErrBufferFull {
				break
			}
		}
		if size == 0 && err != nil {
			if err == io.EOF {
				return nil
			}
			return err
		}
		n++
		if !over {
			text := buf
			if len(text) > 0 && text[len(text)-1] == '\n' {
				text = text[:len(text)-1]
				if len(text) > 0 && text[len(text)-1] == '\r' {
					text = text[:len(text)-1]
				}
			}
			if len(text) > max {
				over = true
			} else {
				line(n, text)
			}
		}
		if over && tooLong != nil {
			tooLong(n, fmt.Errorf("%w: %d bytes, more than %d: skipped", ErrTooLong, size, max))
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
	}
}
