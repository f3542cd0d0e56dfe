package agent

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

func openTestStore(t *testing.T) (*Store, string) {
	t.Helper()
	base := t.TempDir()
	st, err := OpenStore(base, "profiles")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st, filepath.Join(base, "profiles")
}

func claim(t *testing.T, st *Store, name, source string) {
	t.Helper()
	refused, err := st.Claim(map[string]Owned{name: {Source: source}})
	if err != nil {
		t.Fatal(err)
	}
	if err := refused[name]; err != nil {
		t.Fatalf("claim %s: %v", name, err)
	}
}

func TestStoreWriteRemove(t *testing.T) {
	st, dir := openTestStore(t)
	claim(t, st, "a.json", "ns/cm")
	if err := st.Write("a.json", []byte(`{"defaultAction":"SCMP_ACT_ALLOW"}`)); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(filepath.Join(dir, "a.json"))
	if err != nil || string(got) != `{"defaultAction":"SCMP_ACT_ALLOW"}` {
		t.Fatalf("read back %q, %v", got, err)
	}
	fi, _ := os.Stat(filepath.Join(dir, "a.json"))
	if fi.Mode().Perm() != 0o644 {
		t.Errorf("mode %v, want 0644", fi.Mode().Perm())
	}
	if !st.Current("a.json", sum(got)) || st.Current("a.json", sum([]byte("x"))) {
		t.Error("Current disagrees with the file")
	}
	// A change on disk behind the agent's back is noticed.
	os.WriteFile(filepath.Join(dir, "a.json"), []byte("tampered"), 0o644)
	if st.Current("a.json", sum(got)) {
		t.Error("Current missed a change on disk")
	}

	// The record, digests included, survives a reopen.
	if err := st.Save(); err != nil {
		t.Fatal(err)
	}
	st2, err := OpenStore(filepath.Dir(dir), "profiles")
	if err != nil {
		t.Fatal(err)
	}
	defer st2.Close()
	if o := st2.Owned()["a.json"]; o.Source != "ns/cm" || o.SHA256 != sum(got) {
		t.Errorf("reopened record: %+v", o)
	}
	if err := st2.Remove("a.json"); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Lstat(filepath.Join(dir, "a.json")); !os.IsNotExist(err) {
		t.Errorf("a.json still there: %v", err)
	}
	if len(st2.Owned()) != 0 {
		t.Errorf("record not emptied: %v", st2.Owned())
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if e.Name() != recordName {
			t.Errorf("unexpected file left: %s", e.Name())
		}
	}
}

func TestStoreRefusesForeignAndSymlinks(t *testing.T) {
	st, dir := openTestStore(t)
	outside := filepath.Join(t.TempDir(), "target")
	os.WriteFile(outside, []byte("precious"), 0o644)
	os.WriteFile(filepath.Join(dir, "foreign.json"), []byte("someone else's"), 0o644)
	os.Symlink(outside, filepath.Join(dir, "link.json"))
	os.Mkdir(filepath.Join(dir, "sub.json"), 0o755)

	refused, err := st.Claim(map[string]Owned{
		"foreign.json": {Source: "ns/cm"}, "link.json": {Source: "ns/cm"}, "sub.json": {Source: "ns/cm"},
		"../escape.json": {Source: "ns/cm"}, "ok.json": {Source: "ns/cm"},
	})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]error{"foreign.json": ErrNotOwned, "link.json": ErrNotRegular, "sub.json": ErrNotRegular}
	for name, w := range want {
		if !errors.Is(refused[name], w) {
			t.Errorf("%s: got %v, want %v", name, refused[name], w)
		}
	}
	if refused["../escape.json"] == nil || refused["ok.json"] != nil {
		t.Errorf("refused = %v", refused)
	}
	if err := st.Write("foreign.json", []byte("x")); !errors.Is(err, ErrNotOwned) {
		t.Errorf("Write of a foreign file: %v", err)
	}
	if err := st.Remove("foreign.json"); !errors.Is(err, ErrNotOwned) {
		t.Errorf("Remove of a foreign file: %v", err)
	}

	// An owned name later replaced by a symlink is neither written through nor removed.
	claim(t, st, "ok.json", "ns/cm")
	st.Write("ok.json", []byte("v1"))
	os.Remove(filepath.Join(dir, "ok.json"))
	os.Symlink(outside, filepath.Join(dir, "ok.json"))
	if err := st.Write("ok.json", []byte("v2")); !errors.Is(err, ErrNotRegular) {
		t.Errorf("Write through a symlink: %v", err)
	}
	if err := st.Remove("ok.json"); !errors.Is(err, ErrNotRegular) {
		t.Errorf("Remove of a symlink: %v", err)
	}
	if b, _ := os.ReadFile(outside); string(b) != "precious" {
		t.Errorf("symlink target changed: %q", b)
	}
	if _, err := os.Lstat(filepath.Join(dir, "ok.json")); err != nil {
		t.Errorf("planted symlink removed: %v", err)
	}
	for _, n := range []string{"foreign.json", "link.json", "sub.json"} {
		if _, err := os.Lstat(filepath.Join(dir, n)); err != nil {
			t.Errorf("%s touched: %v", n, err)
		}
	}
}

func TestOpenStoreRefusesSymlinkedDir(t *testing.T) {
	base := t.TempDir()
	os.Symlink(t.TempDir(), filepath.Join(base, "profiles"))
	if _, err := OpenStore(base, "profiles"); !errors.Is(err, ErrNotRegular) {
		t.Fatalf("OpenStore through a symlink: %v", err)
	}
	if _, err := OpenStore(base, "../x"); err == nil {
		t.Fatal("OpenStore accepted ../x")
	}
}

func TestOpenStoreCleansTemps(t *testing.T) {
	base := t.TempDir()
	dir := filepath.Join(base, "profiles")
	os.MkdirAll(dir, 0o755)
	os.WriteFile(filepath.Join(dir, tempPrefix+"a.json.123"), []byte("half"), 0o644)
	os.WriteFile(filepath.Join(dir, ".other-hidden"), []byte("not ours"), 0o644)
	st, err := OpenStore(base, "profiles")
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, err := os.Stat(filepath.Join(dir, tempPrefix+"a.json.123")); !os.IsNotExist(err) {
		t.Error("leftover temporary file kept")
	}
	if _, err := os.Stat(filepath.Join(dir, ".other-hidden")); err != nil {
		t.Error("someone else's hidden file removed")
	}
}

func TestOpenStoreCorruptRecord(t *testing.T) {
	base := t.TempDir()
	os.MkdirAll(filepath.Join(base, "p"), 0o755)
	os.WriteFile(filepath.Join(base, "p", recordName), []byte("{"), 0o644)
	_, err := OpenStore(base, "p")
	if err == nil || !strings.Contains(err.Error(), "corrupt") {
		t.Fatalf("got %v", err)
	}
}

// TestStoreWriteAtomic reads the file continuously while it is rewritten: every read
// must see one whole version.
func TestStoreWriteAtomic(t *testing.T) {
	st, dir := openTestStore(t)
	claim(t, st, "big.json", "ns/cm")
	v1 := bytes.Repeat([]byte("a"), 256<<10)
	v2 := bytes.Repeat([]byte("b"), 300<<10)
	st.Write("big.json", v1)
	var wg sync.WaitGroup
	stop := make(chan struct{})
	bad := make(chan string, 1)
	reads := 0
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			b, err := os.ReadFile(filepath.Join(dir, "big.json"))
			reads++
			if err != nil || !(bytes.Equal(b, v1) || bytes.Equal(b, v2)) {
				select {
				case bad <- "torn or missing read: " + strings.TrimSpace(string(b[:min(len(b), 20)])):
				default:
				}
				return
			}
		}
	}()
	for i := range 60 {
		data := v1
		if i%2 == 0 {
			data = v2
		}
		if err := st.Write("big.json", data); err != nil {
			t.Fatal(err)
		}
	}
	close(stop)
	wg.Wait()
	select {
	case msg := <-bad:
		t.Fatal(msg)
	default:
	}
	if reads == 0 {
		t.Fatal("reader never ran")
	}
}
