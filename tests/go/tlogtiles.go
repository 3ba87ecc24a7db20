// Command tlogtiles checks a govledger server's C2SP tlog-tiles API with the Go team's
// golang.org/x/mod/sumdb/tlog and sumdb/note, unmodified (run by tests/tiles.rs).
//
//	tlogtiles URL VERIFIER-KEY OLD-CHECKPOINT-FILE SEQ...
//
// It opens the served /checkpoint with the verifier key, reads hash tiles through
// tlog.TileHashReader (which authenticates every tile against the signed tree hash), and for
// each SEQ fetches its entry bundle, proves the record with tlog.ProveRecord and checks the
// proof with tlog.CheckRecord; then proves and checks that the served tree extends the one of
// OLD-CHECKPOINT-FILE. Tile paths are tlog's own (Tile.Path) without its height element, which
// c2sp.org/tlog-tiles drops: tile/8/0/x001/234.p/5 is served as tile/0/x001/234.p/5. The
// environment variable GOVLEDGER_TOKEN, when set, is sent as a bearer token.
package main

import (
	"encoding/binary"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

const height = 8

func main() {
	if len(os.Args) < 4 {
		fail("usage: tlogtiles URL VERIFIER-KEY OLD-CHECKPOINT-FILE SEQ...")
	}
	base, vkey, oldFile := strings.TrimSuffix(os.Args[1], "/"), os.Args[2], os.Args[3]
	verifier, err := note.NewVerifier(vkey)
	check(err, "verifier key")
	verifiers := note.VerifierList(verifier)

	newTree := openTree(get(base+"/checkpoint"), verifiers)
	oldNote, err := os.ReadFile(oldFile)
	check(err, "old checkpoint")
	oldTree := openTree(oldNote, verifiers)
	fmt.Printf("checkpoint %d %s\n", newTree.N, newTree.Hash)

	tiles := &tileReader{base: base}
	hashes := tlog.TileHashReader(newTree, tiles)
	root, err := tlog.TreeHash(newTree.N, hashes)
	check(err, "tree hash from tiles")
	if root != newTree.Hash {
		fail("tree hash from tiles %s, signed %s", root, newTree.Hash)
	}
	for _, arg := range os.Args[4:] {
		seq, err := strconv.ParseInt(arg, 10, 64)
		check(err, "seq")
		proveRecord(base, newTree, hashes, seq)
	}
	// The old tree's own (partial) tiles prove its last record too.
	proveRecord(base, oldTree, tlog.TileHashReader(oldTree, tiles), oldTree.N)

	proof, err := tlog.ProveTree(newTree.N, oldTree.N, hashes)
	check(err, "tree proof")
	check(tlog.CheckTree(proof, newTree.N, newTree.Hash, oldTree.N, oldTree.Hash), "tree proof check")
	fmt.Printf("tree %d extends %d\n", newTree.N, oldTree.N)
}

// proveRecord checks that event seq (record seq-1) is in tree, from its entry bundle and tiles.
func proveRecord(base string, tree tlog.Tree, hashes tlog.HashReader, seq int64) {
	index := seq - 1
	data := entry(base, tree.N, index)
	proof, err := tlog.ProveRecord(tree.N, index, hashes)
	check(err, fmt.Sprintf("record proof of seq %d", seq))
	check(tlog.CheckRecord(proof, tree.N, tree.Hash, index, tlog.RecordHash(data)),
		fmt.Sprintf("record proof check of seq %d", seq))
	fmt.Printf("record %d included in %d\n", seq, tree.N)
}

// openTree verifies a checkpoint note and reads its size and root hash (c2sp.org/tlog-checkpoint:
// origin, size, base64 root).
func openTree(msg []byte, verifiers note.Verifiers) tlog.Tree {
	n, err := note.Open(msg, verifiers)
	check(err, "checkpoint signature")
	lines := strings.SplitN(n.Text, "\n", 4)
	if len(lines) < 4 {
		fail("checkpoint body %q", n.Text)
	}
	size, err := strconv.ParseInt(lines[1], 10, 64)
	check(err, "checkpoint size")
	hash, err := tlog.ParseHash(lines[2])
	check(err, "checkpoint root")
	return tlog.Tree{N: size, Hash: hash}
}

// entry reads record index from the entry bundle of the tree of size treeSize.
func entry(base string, treeSize, index int64) []byte {
	t := tlog.TileForIndex(height, tlog.StoredHashIndex(0, index))
	t.L = -1 // tlog's "data" tile: the same coordinates as the level-0 hash tile
	if end := (t.N + 1) << height; end > treeSize {
		t.W = int(treeSize - t.N<<height)
	} else {
		t.W = 1 << height
	}
	path := "tile/entries/" + strings.TrimPrefix(t.Path(), fmt.Sprintf("tile/%d/data/", height))
	bundle := get(base + "/" + path)
	for i := int64(0); ; i++ {
		if len(bundle) < 2 {
			fail("%s: no entry %d", path, index)
		}
		n := int(binary.BigEndian.Uint16(bundle))
		if len(bundle) < 2+n {
			fail("%s: truncated entry", path)
		}
		if t.N<<height+i == index {
			return bundle[2 : 2+n]
		}
		bundle = bundle[2+n:]
	}
}

type tileReader struct{ base string }

func (r *tileReader) Height() int { return height }

func (r *tileReader) ReadTiles(tiles []tlog.Tile) ([][]byte, error) {
	out := make([][]byte, len(tiles))
	for i, t := range tiles {
		path := "tile/" + strings.TrimPrefix(t.Path(), fmt.Sprintf("tile/%d/", height))
		out[i] = get(r.base + "/" + path)
	}
	return out, nil
}

func (r *tileReader) SaveTiles(tiles []tlog.Tile, data [][]byte) {}

func get(url string) []byte {
	req, err := http.NewRequest("GET", url, nil)
	check(err, url)
	if token := os.Getenv("GOVLEDGER_TOKEN"); token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := http.DefaultClient.Do(req)
	check(err, url)
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	check(err, url)
	if res.StatusCode != 200 {
		fail("GET %s: %s: %s", url, res.Status, body)
	}
	return body
}

func check(err error, what string) {
	if err != nil {
		fail("%s: %v", what, err)
	}
}

func fail(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, "tlogtiles: "+format+"\n", args...)
	os.Exit(1)
}
