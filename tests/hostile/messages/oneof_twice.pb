R
aj
	*tokBsecond