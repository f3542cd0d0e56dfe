package audit

import "encoding/binary"

// nlmsgHdrLen is the size of struct nlmsghdr.
const nlmsgHdrLen = 16

// Message is one audit record as the kernel sent it over netlink: its type (1326 for
// SECCOMP) and its text, "audit(SECONDS.MILLIS:SERIAL): key=value ...".
type Message struct {
	Type uint16
	Data string
}

// ParseMessage parses a SECCOMP record received with Conn.Read.
func ParseMessage(m Message) (SeccompRecord, error) {
	if m.Type != TypeSeccomp {
		return SeccompRecord{}, ErrNotSeccomp
	}
	return parsePayload(m.Data)
}

// decodeMessage reads one netlink datagram. Audit records are not padded to the netlink
// alignment, so the generic netlink parsers reject them: read one header and take the
// rest of the datagram (up to nlmsg_len) as the text.
func decodeMessage(b []byte) (Message, bool) {
	if len(b) < nlmsgHdrLen {
		return Message{}, false
	}
	l := int(binary.NativeEndian.Uint32(b[0:4]))
	typ := binary.NativeEndian.Uint16(b[4:6])
	if l < nlmsgHdrLen || l > len(b) {
		l = len(b)
	}
	data := b[nlmsgHdrLen:l]
	for len(data) > 0 && (data[len(data)-1] == 0 || data[len(data)-1] == '\n') {
		data = data[:len(data)-1]
	}
	return Message{Type: typ, Data: string(data)}, true
}
