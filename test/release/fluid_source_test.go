package release

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func script(name string) string { return filepath.Join(root, "hack", "fluid", name) }

func run(t *testing.T, env []string, name string, args ...string) (string, error) {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func write(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func treeSHA(t *testing.T, dir string) string {
	t.Helper()
	out, err := run(t, nil, script("tree-sha256.sh"), dir)
	if err != nil {
		t.Fatalf("tree-sha256.sh %s: %v\n%s", dir, err, out)
	}
	return strings.TrimSpace(out)
}

// The tree sum is what a tarball and a clone of the same tag share: the
// files' contents and paths and the symlinks, not the order they were
// written in, their times, or a .git directory.
func TestTreeSHA256IsTheTreesContentOnly(t *testing.T) {
	files := map[string]string{"go.mod": "module x\n", "cmd/a/main.go": "package main\n", "vendor/b/b.go": "package b\n"}
	a, b := t.TempDir(), t.TempDir()
	write(t, a, files)
	write(t, b, map[string]string{"vendor/b/b.go": "package b\n", "cmd/a/main.go": "package main\n", "go.mod": "module x\n", ".git/HEAD": "ref: refs/heads/main\n"})
	for _, d := range []string{a, b} {
		if err := os.Symlink("../vendor", filepath.Join(d, "cmd", "vendor")); err != nil {
			t.Fatal(err)
		}
	}
	if treeSHA(t, a) != treeSHA(t, b) {
		t.Fatal("the same files written in another order, with a .git directory, give another tree sum")
	}
	write(t, b, map[string]string{"cmd/a/main.go": "package main // changed\n"})
	if treeSHA(t, a) == treeSHA(t, b) {
		t.Error("a changed file gives the same tree sum")
	}
	write(t, b, map[string]string{"cmd/a/main.go": "package main\n"})
	_ = os.Remove(filepath.Join(b, "cmd", "vendor"))
	if err := os.Symlink("../elsewhere", filepath.Join(b, "cmd", "vendor")); err != nil {
		t.Fatal(err)
	}
	if treeSHA(t, a) == treeSHA(t, b) {
		t.Error("a symlink pointing elsewhere gives the same tree sum")
	}
}

// Without the tarball, source.sh clones the tag and builds it only if its
// commit and tree are the release's; an unreachable remote says how to
// work offline. (The remote here is a local repository: tests stay on
// this machine.)
func TestFluidSourceIsClonedAndCheckedWhereTheTarballIsAbsent(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is not installed")
	}
	repo := t.TempDir()
	write(t, repo, map[string]string{"go.mod": "module github.com/fluid-cloudnative/fluid\n", "cmd/alluxio/main.go": "package main\n"})
	gitEnv := []string{"GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.com", "GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.com"}
	for _, args := range [][]string{{"init", "-q"}, {"add", "."}, {"commit", "-qm", "release"}, {"tag", "v9.9.9"}} {
		if out, err := run(t, gitEnv, "git", append([]string{"-C", repo}, args...)...); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	commit, err := run(t, nil, "git", "-C", repo, "rev-parse", "HEAD")
	if err != nil {
		t.Fatal(err)
	}
	commit = strings.TrimSpace(commit)
	tree := treeSHA(t, repo)
	env := func(url, commit, tree string) []string {
		return []string{"FLUID_VERSION=v9.9.9", "FLUID_SHA256=unused", "FLUID_COMMIT=" + commit, "FLUID_TREE_SHA256=" + tree,
			"FLUID_GIT_URL=" + url, "FLUID_TARBALL=" + filepath.Join(t.TempDir(), "absent.tar.gz")}
	}

	out := filepath.Join(t.TempDir(), "fluid-src")
	if msg, err := run(t, env("file://"+repo, commit, tree), script("source.sh"), out); err != nil {
		t.Fatalf("clone of the right tag refused: %v\n%s", err, msg)
	}
	if _, err := os.Stat(filepath.Join(out, "fluid-v9.9.9", "cmd", "alluxio", "main.go")); err != nil {
		t.Errorf("the clone is not where the build looks: %v", err)
	}
	if _, err := os.Stat(filepath.Join(out, "fluid-v9.9.9", ".git")); err == nil {
		t.Error("the clone keeps its .git directory")
	}

	for _, tc := range []struct{ name, url, commit, tree, want string }{
		{"another commit", "file://" + repo, strings.Repeat("0", 40), tree, "refusing to build it"},
		{"another tree", "file://" + repo, commit, strings.Repeat("0", 64), "refusing to build it"},
		{"unreachable remote", "file://" + filepath.Join(t.TempDir(), "none"), commit, tree, "put Fluid v9.9.9's source tarball"},
	} {
		dst := filepath.Join(t.TempDir(), "fluid-src")
		msg, err := run(t, env(tc.url, tc.commit, tc.tree), script("source.sh"), dst)
		if err == nil || !strings.Contains(msg, tc.want) {
			t.Errorf("%s: err %v, output does not say %q:\n%s", tc.name, err, tc.want, msg)
		}
		if _, err := os.Stat(dst); err == nil {
			t.Errorf("%s: the refused tree was left where the build looks", tc.name)
		}
	}
}
