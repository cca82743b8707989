// Command go_server is a baseline for Lifeline's benchmarks, written from a
// description of the Go project guobinqiu/tcp-heartbeat's server (not from
// its code): a goroutine per connection, a 1 KiB read buffer,
// encoding/json Unmarshal of each read, a sync.Map of last-seen times keyed
// by Owner, and a full scan of the map every 10 s. It prints
// "timeout <owner>" for each client it drops. With -heartbeat-log FILE it
// also logs every heartbeat there with the standard log package (date, time
// and source line), as the project's server does on stderr.
//
//	go run . -host 127.0.0.1 -port 9100 -timeout 30s -scan 10s
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"net"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"
)

// Message is one frame of the Go project's format.
type Message struct {
	MessageType int
	Content     string
	Owner       string
}

type entry struct {
	conn net.Conn
	last time.Time
}

var clients sync.Map // Owner -> *entry

// heartbeats logs every heartbeat when -heartbeat-log is set.
var heartbeats *log.Logger

func handle(conn net.Conn) {
	defer conn.Close()
	buf := make([]byte, 1024)
	owner := ""
	for {
		n, err := conn.Read(buf)
		if err != nil {
			break
		}
		var msg Message
		if json.Unmarshal(buf[:n], &msg) != nil {
			continue
		}
		if msg.MessageType == 1 {
			if heartbeats != nil {
				heartbeats.Println(msg.Owner + " says: " + msg.Content)
			}
			owner = msg.Owner
			clients.Store(msg.Owner, &entry{conn: conn, last: time.Now()})
		}
	}
	if owner != "" {
		if v, ok := clients.Load(owner); ok && v.(*entry).conn == conn {
			clients.Delete(owner)
		}
	}
}

func scan(timeout time.Duration) {
	now := time.Now()
	clients.Range(func(key, value any) bool {
		e := value.(*entry)
		if now.Sub(e.last) > timeout {
			clients.Delete(key)
			fmt.Printf("timeout %v\n", key)
			e.conn.Close()
		}
		return true
	})
}

func main() {
	host := flag.String("host", "127.0.0.1", "address to listen on")
	port := flag.Int("port", 9100, "port to listen on")
	timeout := flag.Duration("timeout", 30*time.Second, "drop a client silent this long")
	every := flag.Duration("scan", 10*time.Second, "time between two full scans")
	logPath := flag.String("heartbeat-log", "", "log every heartbeat to this file")
	flag.Parse()

	if *logPath != "" {
		file, err := os.OpenFile(*logPath, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		heartbeats = log.New(file, "", log.LstdFlags|log.Lshortfile)
	}

	listener, err := net.Listen("tcp", fmt.Sprintf("%s:%d", *host, *port))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Printf("listening on %s\n", listener.Addr())

	signals := make(chan os.Signal, 1)
	signal.Notify(signals, syscall.SIGTERM, syscall.SIGINT)
	go func() {
		<-signals
		os.Exit(0)
	}()

	go func() {
		for range time.Tick(*every) {
			scan(*timeout)
		}
	}()

	for {
		conn, err := listener.Accept()
		if err != nil {
			continue
		}
		go handle(conn)
	}
}
