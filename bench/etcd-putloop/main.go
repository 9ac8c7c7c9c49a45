// etcd-putloop: the etcd side of compare-etcd's failover measurement, the
// twin of `raftd-bench --failover`. One client overwrites one key in a loop;
// each put has its own timeout, so a put stuck on a dead leader is abandoned
// and the next one goes wherever the client library sends it.
//
// It prints one line per put, for compare-etcd to analyse against the instant
// of the kill:
//
//	ok  <unix_ns when it completed> <latency_us>
//	err <unix_ns when it failed> <latency_us> <reason>
//
// After a failed put it pauses -pause, so that a down cluster is not
// hammered in a tight loop (raftd-bench uses the same pause).
//
// Built by compare-etcd in GOPATH mode against Debian's packaged
// go.etcd.io/etcd/clientv3 (golang-etcd-server-dev); no network needed.
package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io/ioutil"
	"os"
	"strings"
	"time"

	"go.etcd.io/etcd/clientv3"
	"google.golang.org/grpc/grpclog"
)

func main() {
	eps := flag.String("endpoints", "127.0.0.1:2379", "client endpoints, comma-separated")
	dur := flag.Duration("duration", 10*time.Second, "run time")
	timeout := flag.Duration("timeout", 100*time.Millisecond, "timeout of one put")
	pause := flag.Duration("pause", 5*time.Millisecond, "pause after a failed put")
	vsize := flag.Int("value-size", 256, "value bytes")
	key := flag.String("key", "failover", "the key overwritten")
	flag.Parse()

	// gRPC logs every reconnect attempt; they would drown the result lines.
	grpclog.SetLoggerV2(grpclog.NewLoggerV2(ioutil.Discard, ioutil.Discard, os.Stderr))

	cli, err := clientv3.New(clientv3.Config{
		Endpoints:   strings.Split(*eps, ","),
		DialTimeout: 2 * time.Second,
	})
	if err != nil {
		fmt.Fprintf(os.Stderr, "etcd-putloop: %v\n", err)
		os.Exit(1)
	}
	defer cli.Close()

	value := strings.Repeat("x", *vsize)
	w := bufio.NewWriter(os.Stdout)
	defer w.Flush()

	for stop := time.Now().Add(*dur); time.Now().Before(stop); {
		start := time.Now()
		ctx, cancel := context.WithTimeout(context.Background(), *timeout)
		_, err := cli.Put(ctx, *key, value)
		cancel()
		end := time.Now()
		lat := end.Sub(start).Microseconds()
		if err != nil {
			reason := strings.ReplaceAll(err.Error(), "\n", " ")
			fmt.Fprintf(w, "err %d %d %s\n", end.UnixNano(), lat, reason)
			time.Sleep(*pause)
			continue
		}
		fmt.Fprintf(w, "ok %d %d\n", end.UnixNano(), lat)
	}
}
