"""The data sharing and exchange platform (数据共享交换平台, Art. 26–28): share requests
on a working-day clock, purpose-bound grants, the exchange API that enforces them with
masking, and the hash-chained exchange log."""
