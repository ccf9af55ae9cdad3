jU
*6f1c2a9e-lease!https://news.example.com/a/2.html(0÷:fetcherBHTTP 503Hx