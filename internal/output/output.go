// Package output writes a command's result where the user asked.
package output

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// Write writes data to path, or to stdout when path is "". A regular file
// (or a new one) is replaced atomically, temp file + rename, so a reader
// (node_exporter's textfile collector) never sees a partial file; a
// symlink's target is replaced and the link kept. Anything else that can
// be written — /dev/null, /dev/stdout, a FIFO — is written in place: a
// rename would put a regular file where the device or pipe was.
func Write(path string, data []byte) error {
	if path == "" {
		_, err := os.Stdout.Write(data)
		return err
	}
	target, err := filepath.EvalSymlinks(path)
	if errors.Is(err, fs.ErrNotExist) {
		// A new file, or a dangling link: create what the link names.
		if target, err = danglingTarget(path); err != nil {
			return err
		}
		return replace(target, data)
	}
	if err != nil {
		return err
	}
	info, err := os.Stat(target)
	if err != nil {
		return err
	}
	switch mode := info.Mode(); {
	case mode.IsRegular():
		return replace(target, data)
	case mode.IsDir():
		return fmt.Errorf("%s is a directory; name a file to write", path)
	case mode&(fs.ModeDevice|fs.ModeCharDevice|fs.ModeNamedPipe) != 0:
		return writeInPlace(target, data)
	default:
		return fmt.Errorf("%s is a %s, not a file uptake can write", path, mode.Type())
	}
}

// danglingTarget is where writing path creates a file: path itself, or
// what a dangling symlink at path points to.
func danglingTarget(path string) (string, error) {
	if info, err := os.Lstat(path); err != nil || info.Mode()&fs.ModeSymlink == 0 {
		return path, nil
	}
	dest, err := os.Readlink(path)
	if err != nil {
		return "", err
	}
	if !filepath.IsAbs(dest) {
		dest = filepath.Join(filepath.Dir(path), dest)
	}
	return dest, nil
}

func writeInPlace(path string, data []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func replace(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
