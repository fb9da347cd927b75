/** Moved to components/ so platform features list their settings the same way. */
export { SettingsListPage } from "../../components/SettingsListPage";
