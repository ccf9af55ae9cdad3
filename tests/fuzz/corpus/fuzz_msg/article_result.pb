zÄ
*6f1c2a9e-leaseÂ
!https://news.example.com/a/1.html!https://news.example.com/a/1.htmlTalks resume"A. Reporter(ÄÅŒ√2en:Example NewsBYA heading

Beijing said on Sunday that talks would resume. Officials declined to comment.HP‰ÅŒ√Z
h2	A headingZS
pNBeijing said on Sunday that talks would resume. Officials declined to comment.b!https://news.example.com/a/1.html