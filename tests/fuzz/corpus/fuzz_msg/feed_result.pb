rõ
*6f1c2a9e-lease!https://news.example.com/feed.xml"rss*Example News2https://news.example.com/:E
urn:1First!https://news.example.com/a/1.html ÄÅŒ√BChinaBTrade:R
urn:2Second ‚Äî with a dash!https://news.example.com/a/2.html:<p>summary</p>Brepaired a bare '&'X