zм
*6f1c2a9e-leaseЕ
!https://news.example.com/a/1.html!https://news.example.com/a/1.htmlTalks resume"A. Reporter(─│нц2en:Example NewsBYA heading

Beijing said on Sunday that talks would resume. Officials declined to comment.HPД│нцZ
h2	A headingZS
pNBeijing said on Sunday that talks would resume. Officials declined to comment.b!https://news.example.com/a/1.html"K

extractiveen"/Beijing said on Sunday that talks would resume.*politics