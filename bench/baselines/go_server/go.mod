module lifeline.bench/go_server

go 1.19
