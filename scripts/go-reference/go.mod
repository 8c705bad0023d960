module evacbench/go-reference

go 1.19
