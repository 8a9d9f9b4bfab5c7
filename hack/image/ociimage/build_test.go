package ociimage

import (
	"archive/tar"
	"bytes"
	"debug/elf"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/v1/mutate"
)

var (
	buildOnce  sync.Once
	builtDir   string
	builtRes   Result
	builtErr   error
	moduleRoot = filepath.Join("..", "..", "..")
)

// built builds the image once for the tests of this file.
func built(t *testing.T) (string, Result) {
	t.Helper()
	buildOnce.Do(func() {
		var err error
		if builtDir, err = os.MkdirTemp("", "ociimage-test-"); err != nil {
			builtErr = err
			return
		}
		builtRes, builtErr = Build(t.Context(), Options{Root: moduleRoot, Out: filepath.Join(builtDir, "image"), Version: "1.2.3", Revision: "abc123"})
	})
	if builtErr != nil {
		t.Fatal(builtErr)
	}
	return filepath.Join(builtDir, "image"), builtRes
}

func TestMain(m *testing.M) {
	code := m.Run()
	if builtDir != "" {
		_ = os.RemoveAll(builtDir)
	}
	os.Exit(code)
}

func TestTheSameSourceGivesTheSameDigest(t *testing.T) {
	first, res1 := built(t)
	second := filepath.Join(t.TempDir(), "elsewhere", "image")
	res2, err := Build(t.Context(), Options{Root: moduleRoot, Out: second, Version: "1.2.3", Revision: "abc123"})
	if err != nil {
		t.Fatal(err)
	}
	if res1.Digest != res2.Digest {
		t.Fatalf("two builds of the same source: %s and %s", res1.Digest, res2.Digest)
	}
	a, _ := os.ReadFile(filepath.Join(first, "index.json"))
	b, _ := os.ReadFile(filepath.Join(second, "index.json"))
	if !bytes.Equal(a, b) {
		t.Errorf("index.json differs:\n%s\n%s", a, b)
	}
	t.Logf("both builds: %s", res1.Digest)
}

func TestTheImageIsTheStaticControllerOnAnEmptyBaseRunAsNonRoot(t *testing.T) {
	dir, res := built(t)
	img, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	digest, _ := img.Digest()
	if digest.String() != res.Digest {
		t.Errorf("layout holds %s, build reported %s", digest, res.Digest)
	}
	layers, err := img.Layers()
	if err != nil || len(layers) != 1 {
		t.Fatalf("%d layers (%v), want exactly 1 on an empty base", len(layers), err)
	}
	cfg, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Config.Labels["org.opencontainers.image.version"] != "1.2.3" || cfg.Config.Labels["org.opencontainers.image.revision"] != "abc123" || cfg.Config.Labels["org.opencontainers.image.licenses"] != "Apache-2.0" {
		t.Errorf("OCI labels %v, want version 1.2.3, revision abc123, licenses Apache-2.0", cfg.Config.Labels)
	}
	if cfg.Config.User != "65532:65532" {
		t.Errorf("user = %q, want 65532:65532 (non-root)", cfg.Config.User)
	}
	if !slices.Equal(cfg.Config.Entrypoint, []string{Entrypoint}) {
		t.Errorf("entrypoint = %q", cfg.Config.Entrypoint)
	}
	if cfg.OS != "linux" || cfg.Architecture != runtime.GOARCH {
		t.Errorf("platform = %s/%s", cfg.OS, cfg.Architecture)
	}
	if !cfg.Created.Time.Equal(time.Unix(0, 0)) {
		t.Errorf("created = %s, want the Unix epoch", cfg.Created.Time)
	}

	// The whole file system, as a runtime unpacks it.
	var names []string
	fs := mutate.Extract(img)
	defer fs.Close()
	tr := tar.NewReader(fs)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, h.Name)
		if !h.ModTime.Equal(time.Unix(0, 0)) {
			t.Errorf("%s dated %s, want the Unix epoch", h.Name, h.ModTime)
		}
		if h.Uid != 0 || h.Gid != 0 {
			t.Errorf("%s owned by %d:%d, want root (the user may not rewrite it)", h.Name, h.Uid, h.Gid)
		}
	}
	want := []string{"alluxioruntime-controller", "etc", "etc/group", "etc/passwd"}
	slices.Sort(names)
	if !slices.Equal(names, want) {
		t.Errorf("the image holds %q, want only %q (no CA bundle, no shell)", names, want)
	}

	bin := filepath.Join(t.TempDir(), "alluxioruntime-controller")
	if _, err := ExtractEntrypoint(img, bin); err != nil {
		t.Fatal(err)
	}
	f, err := elf.Open(bin)
	if err != nil {
		t.Fatalf("the entrypoint is not an ELF binary: %v", err)
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			t.Error("the binary is dynamically linked (it has an ELF interpreter); an empty base has no libc")
		}
	}
	if runtime.GOOS == "linux" {
		out, err := exec.Command(bin, "--help").CombinedOutput()
		if err != nil || !strings.Contains(string(out), "-feature-gates") {
			t.Errorf("the image's binary does not run as the controller: %v\n%s", err, out)
		}
		out, err = exec.Command(bin, "--version").CombinedOutput()
		if err != nil || !strings.HasPrefix(string(out), "alluxioruntime-controller 1.2.3 (revision abc123, ") {
			t.Errorf("the image's binary does not say the version it was built as: %v\n%s", err, out)
		}
	}
}
