cR
	host-1234