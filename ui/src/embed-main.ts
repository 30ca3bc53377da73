import './styles/theme.css'
import './components/tw-embed.js'
