<?xml version="1.0" encoding="UTF-8"?>
<!--
  Shows an Atom or RSS feed as a plain page when it is opened in a browser.
  Feed readers ignore it. No scripts, no external resources.
-->
<xsl:stylesheet version="1.0"
    xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
    xmlns:atom="http://www.w3.org/2005/Atom"
    exclude-result-prefixes="atom">
  <xsl:output method="html" encoding="UTF-8" indent="yes"
      doctype-system="about:legacy-compat"/>

  <xsl:template match="/">
    <xsl:variable name="title" select="atom:feed/atom:title | rss/channel/title"/>
    <xsl:variable name="about" select="atom:feed/atom:subtitle | rss/channel/description"/>
    <xsl:variable name="home"
        select="atom:feed/atom:link[@rel='alternate']/@href | rss/channel/link"/>
    <html>
      <head>
        <meta charset="UTF-8"/>
        <meta name="viewport" content="width=device-width, initial-scale=1"/>
        <title><xsl:value-of select="$title"/> (feed)</title>
        <style>
          body { font: 1rem/1.5 system-ui, sans-serif; max-width: 42rem; margin: 2rem auto;
                 padding: 0 1rem; color: #222; background: #fff; }
          .about { background: #f3f1ea; border-radius: .4rem; padding: .8rem 1rem; }
          li { margin: 1.2rem 0; list-style: none; }
          ul { padding: 0; }
          time { color: #666; font-size: .9rem; }
          p { margin: .2rem 0; }
        </style>
      </head>
      <body>
        <p class="about">
          This is a web feed. Copy its address into a feed reader or an RSS-to-email
          service to follow new notes.
        </p>
        <h1><xsl:value-of select="$title"/></h1>
        <p><xsl:value-of select="$about"/></p>
        <p><a href="{$home}">Visit the site</a></p>
        <ul>
          <xsl:apply-templates select="atom:feed/atom:entry | rss/channel/item"/>
        </ul>
      </body>
    </html>
  </xsl:template>

  <xsl:template match="atom:entry">
    <li>
      <xsl:variable name="link" select="atom:link[not(@rel) or @rel='alternate'][1]/@href"/>
      <xsl:choose>
        <xsl:when test="$link"><a href="{$link}"><xsl:value-of select="atom:title"/></a></xsl:when>
        <xsl:otherwise><strong><xsl:value-of select="atom:title"/></strong></xsl:otherwise>
      </xsl:choose>
      <br/>
      <time><xsl:value-of select="substring(atom:published, 1, 10)"/></time>
      <p><xsl:value-of select="atom:summary"/></p>
    </li>
  </xsl:template>

  <xsl:template match="item">
    <li>
      <xsl:choose>
        <xsl:when test="link"><a href="{link}"><xsl:value-of select="title"/></a></xsl:when>
        <xsl:otherwise><strong><xsl:value-of select="title"/></strong></xsl:otherwise>
      </xsl:choose>
      <br/>
      <time><xsl:value-of select="pubDate"/></time>
      <p><xsl:value-of select="description"/></p>
    </li>
  </xsl:template>
</xsl:stylesheet>
